"""Model ids: the claude- rule, capabilities per family, and the known prices."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from orchestify_claude import ClaudeProvider
from orchestify_claude._models import capabilities_for, family_of, price_for

from orchestify_core import ConfigError, LLMMessage, LLMProvider, RequestValidationError, Usage
from orchestify_core.genai_prices import TieredModelPrice
from orchestify_core.testing.servers import AnthropicServer

MakeProvider = Callable[..., LLMProvider]


@pytest.mark.parametrize("model", ["gpt-4o", "Claude-3-opus", "anthropic.claude-3-haiku", "opus"])
async def test_model_must_start_with_claude(
    provider: LLMProvider, anthropic_server: AnthropicServer, model: str
) -> None:
    """A model id not starting with 'claude-' is refused, naming the model and the rule."""
    with pytest.raises(RequestValidationError) as info:
        await provider.complete([LLMMessage(role="user", content="hi")], model=model)
    assert repr(model) in str(info.value)
    assert "start with 'claude-'" in str(info.value)
    assert anthropic_server.requests == []


def test_default_model_is_validated_at_build(make_provider: MakeProvider) -> None:
    """A default model that is not a Claude model fails the build (a ConfigError from YAML)."""
    with pytest.raises(RequestValidationError, match="gpt-4o"):
        ClaudeProvider(api_key="k", default_model="gpt-4o")
    with pytest.raises(ConfigError, match=r"default_model: model 'gpt-4o' is not a Claude model"):
        make_provider(default_model="gpt-4o")


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-haiku-4-5", "claude-haiku-4-5"),
    ],
)
def test_family_of(model: str, family: str) -> None:
    """A dated, -latest or @-dated id reduces to its family."""
    assert family_of(model) == family


@pytest.mark.parametrize(
    ("model", "thinking", "max_output"),
    [
        ("claude-3-haiku-20240307", False, 4096),
        ("claude-3-opus-20240229", False, 4096),
        ("claude-3-5-haiku-20241022", False, 8192),
        ("claude-3-5-sonnet-20241022", False, 8192),
        ("claude-3-7-sonnet-20250219", True, 64000),
        ("claude-sonnet-4-20250514", True, 64000),
        ("claude-sonnet-4-0", True, 64000),
        ("claude-opus-4-20250514", True, 32000),
        ("claude-opus-4-1-20250805", True, 32000),
        ("claude-sonnet-4-5-20250929", True, 64000),
        ("claude-haiku-4-5-20251001", True, 64000),
        ("claude-opus-4-5", True, 64000),
    ],
)
def test_known_families(model: str, thinking: bool, max_output: int) -> None:
    """Known families: tools and vision, thinking from 3.7 on, a 200k window, their max output."""
    caps = capabilities_for(model)
    assert caps.known
    assert (caps.tools, caps.vision, caps.thinking) == (True, True, thinking)
    assert caps.context_window == 200_000
    assert caps.max_output_tokens == max_output


def test_million_token_models() -> None:
    """The 4.6 models have a 1M window and no output limit checked here."""
    caps = capabilities_for("claude-sonnet-4-6")
    assert caps.known
    assert caps.thinking
    assert (caps.context_window, caps.max_output_tokens) == (1_000_000, None)


def test_unknown_claude_model_is_permissive() -> None:
    """An unknown claude- model: known=False, everything allowed, genai-prices' window if any."""
    caps = capabilities_for("claude-opus-4-7")
    assert not caps.known
    assert caps.tools
    assert caps.vision
    assert caps.thinking
    assert caps.context_window == 1_000_000
    assert capabilities_for("claude-imaginary-1").context_window is None


async def test_max_output_tokens_is_enforced(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A known model's output limit caps the default max_tokens and refuses a larger one."""
    messages = [LLMMessage(role="user", content="hi")]
    with pytest.raises(RequestValidationError, match="4096"):
        await provider.complete(messages, model="claude-3-haiku-20240307", max_tokens=8192)
    assert anthropic_server.requests == []
    await provider.complete(messages, model="claude-3-haiku-20240307")
    assert anthropic_server.requests[-1].body["max_tokens"] == 4096


def test_provider_capability_queries(provider: LLMProvider) -> None:
    """supports_tools/vision/thinking answer for the default model (claude-haiku-4-5)."""
    assert provider.supports_tools()
    assert provider.supports_vision()
    assert provider.supports_thinking()
    assert not provider.supports_code_execution()


@pytest.mark.parametrize(
    ("model", "rates"),
    [
        ("claude-3-haiku-20240307", ("0.25", "1.25", "0.03", "0.3")),
        ("claude-3-5-haiku-20241022", ("0.8", "4", "0.08", "1")),
        ("claude-3-5-sonnet-20241022", ("3", "15", "0.3", "3.75")),
        ("claude-3-7-sonnet-20250219", ("3", "15", "0.3", "3.75")),
        ("claude-sonnet-4-20250514", ("3", "15", "0.3", "3.75")),
        ("claude-opus-4-1-20250805", ("15", "75", "1.5", "18.75")),
        ("claude-haiku-4-5", ("1", "5", "0.1", "1.25")),
        ("claude-opus-4-5", ("5", "25", "0.5", "6.25")),
        ("claude-sonnet-4-6", ("3", "15", "0.3", "3.75")),
    ],
)
def test_prices_from_genai_prices(model: str, rates: tuple[str, str, str, str]) -> None:
    """Flat prices per million tokens: input, output, cache read, cache write."""
    price = price_for(model)
    assert price is not None
    assert not isinstance(price, TieredModelPrice)
    assert (
        price.input_per_mtok,
        price.output_per_mtok,
        price.cache_read_per_mtok,
        price.cache_write_per_mtok,
    ) == tuple(Decimal(rate) for rate in rates)
    assert price.source.startswith("genai-prices ")


def test_tiered_price_bands() -> None:
    """Sonnet 4.5's price doubles input (1.5x output) past 200k input tokens."""
    price = price_for("claude-sonnet-4-5-20250929")
    assert isinstance(price, TieredModelPrice)
    assert price.band(200_000) is price
    band = price.band(200_001)
    assert (band.input_per_mtok, band.output_per_mtok) == (Decimal(6), Decimal("22.5"))
    assert (band.cache_read_per_mtok, band.cache_write_per_mtok) == (Decimal("0.6"), Decimal("7.5"))
    usage = Usage(input_tokens=300_000, output_tokens=1_000)
    assert price.cost(usage) == (300_000 * 6 + 1_000 * Decimal("22.5")) / 1_000_000


def test_unknown_model_has_no_price() -> None:
    """A model genai-prices does not know is unpriced (None)."""
    assert price_for("claude-imaginary-1") is None
