"""ClaudeProvider, the registry, the SDK client's settings, health check and close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import pytest
from orchestify_claude import ClaudeProvider
from orchestify_claude._options import ClaudeOptions

import orchestify_core.config
from orchestify_core import LLMMessage, LLMProvider, ProviderRegistry, Secret, loads_config
from orchestify_core.errors import ConfigError
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]


@pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5' is deprecated")
async def test_claude_provider_from_settings(anthropic_server: AnthropicServer) -> None:
    """ClaudeProvider(api_key=..., default_model=...) builds an anthropic provider that answers."""
    provider = ClaudeProvider(
        api_key="sk-ant-test",
        default_model="claude-sonnet-4-5",
        base_url=anthropic_server.base_url,
    )
    anthropic_server.enqueue(Reply("Hello!"))
    response = await provider.complete(USER)
    assert response.content == "Hello!"
    assert provider.provider_type == "anthropic"
    assert isinstance(provider.client, anthropic.AsyncAnthropic)
    await provider.aclose()


@pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5' is deprecated")
async def test_registry_builds_a_claude_provider(anthropic_server: AnthropicServer) -> None:
    """registry.get('claude_main') of a YAML 'type: anthropic' entry is a ClaudeProvider."""
    config = loads_config(
        "providers:\n"
        "  claude_main:\n"
        "    type: anthropic\n"
        "    api_key: ${ANTHROPIC_API_KEY}\n"
        "    default_model: claude-sonnet-4-5\n"
        f"    base_url: {anthropic_server.base_url}\n",
        environ={"ANTHROPIC_API_KEY": "sk-ant-yaml"},
    )
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    provider = registry.get("claude_main")
    assert isinstance(provider, ClaudeProvider)
    anthropic_server.enqueue(Reply("from yaml"))
    assert (await provider.complete(USER)).content == "from yaml"
    assert anthropic_server.requests[-1].headers["authorization"] == "Bearer sk-ant-yaml"
    await registry.aclose()


async def test_client_settings_follow_the_config(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """The SDK client gets the base_url, timeout, headers and key, and its retries are off."""
    provider = make_provider(timeout=12.5, headers={"x-team": "search"})
    client = provider.client
    assert isinstance(client, anthropic.AsyncAnthropic)
    assert client.max_retries == 0
    assert client.timeout == 12.5
    assert str(client.base_url).rstrip("/") == anthropic_server.base_url
    await provider.complete(USER)
    headers = anthropic_server.requests[-1].headers
    assert headers["x-team"] == "search"
    assert headers["authorization"].startswith("Bearer sk-ant-canary-")


async def test_client_is_created_once_and_reused(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Every call goes through the one client the provider was built with."""
    client = provider.client
    await provider.complete(USER)
    async for _ in provider.stream(USER):
        pass
    assert provider.client is client
    assert len(anthropic_server.requests) == 2


async def test_sdk_does_not_retry(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """With the core's retries off, a 529 reaches the server exactly once: the SDK never retries."""
    anthropic_server.enqueue(Reply(status=529), Reply(status=529), Reply(status=529))
    with pytest.raises(Exception):  # noqa: B017 - the class is checked in test_errors
        await provider.complete(USER)
    assert len(anthropic_server.requests) == 1


async def test_core_retries_run_and_honour_retry_after(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """The core's loop is the one that retries: a 429 with retry-after-ms, then the answer."""
    provider = make_provider(retry={"max_retries": 2, "initial_delay": 0.01})
    anthropic_server.enqueue(Reply(status=429, retry_after_ms=20), Reply("second time lucky"))
    response = await provider.complete(USER)
    assert response.content == "second time lucky"
    assert response.attempts == 2
    assert len(anthropic_server.requests) == 2


def test_unknown_option_is_a_config_error(anthropic_server: AnthropicServer) -> None:
    """An unknown provider option fails the build with its key path."""
    settings: dict[str, Any] = {"options": {"sendtemperature": True}}
    with pytest.raises(ConfigError, match=r"options\.sendtemperature"):
        ClaudeProvider(
            api_key=Secret("k"), default_model="claude-sonnet-4-5", provider_id="c", **settings
        )


async def test_send_temperature_option(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """options.send_temperature puts the call's temperature into the request body."""
    provider = make_provider(options={"send_temperature": True})
    await provider.complete(USER, temperature=0.3)
    assert anthropic_server.requests[-1].body["temperature"] == 0.3
    plain = make_provider()
    await plain.complete(USER, temperature=0.3)
    assert "temperature" not in anthropic_server.requests[-1].body


async def test_options_are_parsed_once(
    make_provider: MakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The options are parsed when the provider is built; calls and streams reuse the result."""
    provider = make_provider(options={"send_temperature": True})
    assert provider._context.options == ClaudeOptions(send_temperature=True)
    parsed: list[object] = []
    original = orchestify_core.config.structure_options

    def counting(*args: Any) -> Any:
        parsed.append(args)
        return original(*args)

    monkeypatch.setattr(orchestify_core.config, "structure_options", counting)
    await provider.complete(USER)
    async for _ in provider.stream(USER):
        pass
    assert parsed == []


async def test_health_check(make_provider: MakeProvider, anthropic_server: AnthropicServer) -> None:
    """The health check lists models; a rejected key is reported as not ok."""
    status = await make_provider().health_check()
    assert status.ok
    assert "claude-" in status.detail
    assert anthropic_server.requests[-1].path == "/v1/models"
    anthropic_server.api_key = "another-key"
    status = await make_provider().health_check()
    assert not status.ok
    assert "AuthenticationError" in status.detail


async def test_aclose_closes_the_client(provider: LLMProvider) -> None:
    """aclose() closes the SDK client."""
    await provider.complete(USER)
    await provider.aclose()
    assert provider.client.is_closed()
