"""Model strings, capabilities and prices from LiteLLM's model map, provider options,
the health check and closing."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest
from litellm_support import ANTHROPIC_MODEL, Backend, Build, user
from orchestify_litellm import LiteLLMProvider

from orchestify_core import ConfigError, LLMProvider, NotFoundError, ProviderError
from orchestify_core.testing.servers import AnthropicServer, OpenAIServer, Reply


def test_unroutable_model_without_base_url_is_refused(build: Build) -> None:
    """An unroutable model without base_url is refused, naming it and provider/model."""
    with pytest.raises(ConfigError) as info:
        build("totally-unknown-model", None)
    message = str(info.value)
    assert "'totally-unknown-model'" in message
    assert "provider/model" in message


def test_any_routable_model_is_accepted(build: Build) -> None:
    """Any model string LiteLLM routes is accepted, listed in its map or not."""
    for model in ("azure/my-deployment", "cohere/command-r", "ollama/llama3", ANTHROPIC_MODEL):
        assert build(model, None).default_model == model


async def test_unknown_model_with_base_url_is_openai_compatible(
    openai_server: OpenAIServer, build: Build
) -> None:
    """With base_url, an unroutable model is sent as an OpenAI-compatible model."""
    provider = build("my-local-model", openai_server.base_url)
    openai_server.enqueue(Reply("local"))
    response = await provider.complete(user("hi"))
    assert response.content == "local"
    assert openai_server.requests[-1].body["model"] == "my-local-model"


def test_capabilities_from_litellm(build: Build) -> None:
    """A listed model's capabilities are LiteLLM's: tools, vision, reasoning, limits."""
    claude = build(ANTHROPIC_MODEL, None).capabilities()
    assert claude.known
    assert (claude.tools, claude.vision, claude.thinking) == (True, True, True)
    assert (claude.context_window, claude.max_output_tokens) == (200_000, 64_000)
    gpt = build("openai/gpt-4o", None).capabilities()
    assert (gpt.tools, gpt.vision, gpt.thinking, gpt.known) == (True, True, False, True)


def test_unknown_model_is_permissive(build: Build) -> None:
    """A model LiteLLM does not list is known=False with permissive guesses."""
    caps = build("ollama/some-model-nobody-listed", None).capabilities()
    assert not caps.known
    assert (caps.tools, caps.vision, caps.thinking) == (True, True, True)


def test_prices_from_litellm_map(build: Build) -> None:
    """Prices are LiteLLM's per-token costs per million tokens, with their source."""
    price = build(ANTHROPIC_MODEL, None).price()
    assert price is not None
    assert (price.input_per_mtok, price.output_per_mtok) == (Decimal(3), Decimal(15))
    assert price.cache_read_per_mtok == Decimal("0.3")
    assert price.cache_write_per_mtok == Decimal("3.75")
    assert price.source.startswith("litellm ")
    assert price.source.endswith(" cost map")


def test_provider_prices_differ(build: Build) -> None:
    """The price follows the provider in the model string (Azure's row, not OpenAI's)."""
    azure = build("azure/gpt-4o", None).price()
    assert azure is not None
    assert azure.cache_write_per_mtok is None


def test_stated_zero_price_is_a_price(build: Build) -> None:
    """A price of 0 that LiteLLM's map states (a local Ollama model) is a real price."""
    price = build("ollama/llama3", None).price()
    assert price is not None
    assert price.input_per_mtok == 0


def test_yaml_price_override_wins(build: Build) -> None:
    """A YAML prices: entry wins over LiteLLM's map."""
    provider = build(ANTHROPIC_MODEL, None, prices={ANTHROPIC_MODEL: {"input": 1, "output": 2}})
    price = provider.price()
    assert price is not None
    assert price.source == "config"


async def test_options_are_litellm_arguments(openai_server: OpenAIServer, build: Build) -> None:
    """Options are LiteLLM arguments: Azure's api_version reaches the deployment URL."""
    provider = build(
        "azure/my-deployment", openai_server.root_url, options={"api_version": "2024-10-21"}
    )
    with pytest.raises(NotFoundError):
        await provider.complete(user("hi"))
    [request] = openai_server.requests
    assert request.path == "/openai/deployments/my-deployment/chat/completions"
    assert "api-version=2024-10-21" in request.query


async def test_health_check_sends_nothing(anthropic_server: AnthropicServer, build: Build) -> None:
    """The health check reports the route and sends no request."""
    provider = build(ANTHROPIC_MODEL, anthropic_server.base_url)
    status = await provider.health_check()
    assert status.ok
    assert "anthropic" in status.detail
    assert anthropic_server.requests == []


async def test_health_check_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an api_key or the backend's key variable, the health check fails."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    provider = LiteLLMProvider(default_model=ANTHROPIC_MODEL)
    status = await provider.health_check()
    assert not status.ok
    assert "ANTHROPIC_API_KEY" in status.detail


async def test_closed_provider_refuses_calls(provider: LLMProvider) -> None:
    """After aclose(), a call fails with a ProviderError instead of being sent."""
    await provider.aclose()
    with pytest.raises(ProviderError, match="closed"):
        await provider.complete(user("hi"))


async def test_closing_the_last_provider_releases_connections(
    backend: Backend, build: Build
) -> None:
    """Closing the last litellm provider closes LiteLLM's connections; later ones work."""
    gc.collect()  # providers earlier tests dropped without closing them no longer count
    first, second = (
        build(backend.model, backend.server.base_url),
        build(backend.model, backend.server.base_url),
    )
    backend.server.enqueue(Reply("one"), Reply("two", chunk_count=2), Reply("three"))
    await first.complete(user("hi"))
    assert [c async for c in second.stream(user("hi"))]
    await first.aclose()
    assert backend.server.open_connections > 0
    await second.aclose()
    await backend.server.wait_for_connections(0, within=5)
    third = build(backend.model, backend.server.base_url)
    assert (await third.complete(user("hi"))).content == "three"
    await third.aclose()


def test_provider_class_from_settings() -> None:
    """LiteLLMProvider builds from settings, with type litellm."""
    provider = LiteLLMProvider(api_key="sk-direct-test-000", default_model="ollama/llama3")
    assert provider.provider_type == "litellm"
    assert "sk-direct-test-000" not in repr(provider)
    assert "sk-direct-test-000" not in repr(provider.client)
