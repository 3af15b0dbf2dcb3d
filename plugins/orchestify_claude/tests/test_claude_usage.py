"""Usage (cache and reasoning tokens included), prices from genai-prices, and their cost."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from importlib.metadata import version

import genai_prices
import pytest
from orchestify_claude._models import price_for

from orchestify_core import (
    APIConnectionError,
    LLMMessage,
    LLMProvider,
    StreamInterruptedError,
    Usage,
    UsageEvent,
)
from orchestify_core.genai_prices import TieredModelPrice
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]
SOURCE = f"genai-prices {version('genai-prices')}"


def genai_cost(model: str, usage: Usage) -> Decimal:
    """What genai-prices itself charges for ``usage``."""
    calculation = genai_prices.calc_price(
        genai_prices.Usage(
            input_tokens=usage.input_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            output_tokens=usage.output_tokens,
        ),
        model,
        provider_id="anthropic",
    )
    return calculation.total_price


async def test_cache_tokens_and_their_cost(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Input counts cache reads and writes; the cost is each count times its genai-prices rate."""
    anthropic_server.enqueue(
        Reply(
            "cached",
            input_tokens=1000,
            output_tokens=200,
            cache_read_tokens=3000,
            cache_write_tokens=500,
        )
    )
    response = await provider.complete(USER)
    assert response.tokens_input == 4500
    assert response.tokens_output == 200
    assert (response.cache_read_tokens, response.cache_write_tokens) == (3000, 500)
    price = provider.price("claude-haiku-4-5")
    assert price is not None
    assert price == price_for("claude-haiku-4-5")
    assert price.source == SOURCE
    assert price.cache_read_per_mtok is not None
    assert price.cache_write_per_mtok is not None
    expected = (
        1000 * price.input_per_mtok
        + 3000 * price.cache_read_per_mtok
        + 500 * price.cache_write_per_mtok
        + 200 * price.output_per_mtok
    ) / Decimal(1_000_000)
    assert response.cost_usd == expected == Decimal("0.002925")
    assert response.cost_usd == genai_cost("claude-haiku-4-5", response.usage)
    assert provider.get_usage().cost == expected


async def test_reasoning_tokens(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """Anthropic's thinking_tokens become reasoning_tokens, part of the output tokens."""
    anthropic_server.enqueue(Reply("42", output_tokens=90, reasoning_tokens=80))
    response = await provider.complete(USER)
    assert (response.tokens_output, response.reasoning_tokens) == (90, 80)


@pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5' is deprecated")
@pytest.mark.parametrize("uncached", [100_000, 150_000])
async def test_long_context_rate(
    provider: LLMProvider, anthropic_server: AnthropicServer, uncached: int
) -> None:
    """Sonnet 4.5 charges every token at the higher rate past 200k input tokens."""
    anthropic_server.enqueue(
        Reply("long", input_tokens=uncached, output_tokens=1000, cache_read_tokens=60_000)
    )
    response = await provider.complete(USER, model="claude-sonnet-4-5")
    price = provider.price("claude-sonnet-4-5")
    assert isinstance(price, TieredModelPrice)
    long_context = response.tokens_input > 200_000
    assert price.band(response.tokens_input).input_per_mtok == (6 if long_context else 3)
    assert response.cost_usd == genai_cost("claude-sonnet-4-5", response.usage)


async def test_served_model_is_priced(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """The cost uses the price of the model that served the call (a dated id here)."""
    anthropic_server.enqueue(
        Reply("hi", model="claude-3-5-haiku-20241022", input_tokens=10, output_tokens=10)
    )
    response = await provider.complete(USER)
    assert response.model == "claude-3-5-haiku-20241022"
    assert response.cost_usd == (10 * Decimal("0.8") + 10 * Decimal(4)) / 1_000_000


async def test_unknown_model_is_unpriced(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A Claude model genai-prices does not know is unpriced: cost None, never $0."""
    anthropic_server.enqueue(Reply("hi", input_tokens=10, output_tokens=10))
    response = await provider.complete(USER, model="claude-nonexistent-9")
    assert provider.price("claude-nonexistent-9") is None
    assert response.cost_usd is None
    assert provider.get_usage().unpriced_attempts == 1


async def test_yaml_price_override_wins(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """A prices: entry in the config replaces genai-prices' price."""
    provider = make_provider(prices={"claude-haiku-4-5": {"input": "2", "output": "4"}})
    anthropic_server.enqueue(Reply("hi", input_tokens=1000, output_tokens=1000))
    response = await provider.complete(USER)
    assert response.cost_usd == Decimal("0.006")
    price = provider.price()
    assert price is not None
    assert price.source == "config"


async def test_stream_usage_events(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A stream reports usage at message_start (input known) and, finally, after message_delta."""
    anthropic_server.enqueue(
        Reply("streamed", input_tokens=40, output_tokens=12, cache_read_tokens=8, chunk_count=3)
    )
    events = [e async for e in provider.stream_events(USER)]
    usages = [e.usage for e in events if isinstance(e, UsageEvent)]
    assert events[0] == UsageEvent(usages[0])
    assert usages[0].input_tokens == 48
    assert usages[0].cache_read_tokens == 8
    assert usages[-1] == Usage(input_tokens=48, output_tokens=12, cache_read_tokens=8)
    usage = provider.get_usage()
    assert (usage.total_input, usage.total_output, usage.call_count) == (48, 12, 1)
    assert usage.cost == genai_cost("claude-haiku-4-5", usages[-1])


async def test_stream_cut_short_still_accounts_input(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """The server drops the connection mid-stream: the input tokens are still accounted."""
    anthropic_server.enqueue(
        Reply(
            "a long answer that never ends",
            input_tokens=321,
            cache_read_tokens=100,
            chunk_count=8,
            drop_after=5,
        )
    )
    stream = provider.stream(USER)
    with pytest.raises(StreamInterruptedError) as info:
        async for _ in stream:
            pass
    assert isinstance(info.value.__cause__, APIConnectionError)
    assert info.value.partial_text
    usage = provider.get_usage()
    assert usage.outcomes == {"truncated": 1}
    assert usage.total_input == 421
    assert usage.total_cache_read == 100
    assert usage.estimated_attempts == 1
    assert usage.cost > 0


async def test_stream_dropped_before_content_accounts_input(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Dropped right after message_start: APIConnectionError, input tokens accounted."""
    anthropic_server.enqueue(Reply("never seen", input_tokens=77, drop_after=1))
    with pytest.raises(APIConnectionError):
        async for _ in provider.stream(USER):
            pass
    usage = provider.get_usage()
    assert usage.outcomes == {"error": 1}
    assert usage.total_input == 77
