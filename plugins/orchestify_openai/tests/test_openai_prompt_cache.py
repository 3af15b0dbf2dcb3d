"""Prompt caching on OpenAI: ``prompt_cache_key`` and ``prompt_cache_retention`` on the wire,
marks not sent (OpenAI caches prefixes by itself), cached tokens read back and priced."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orchestify_core import (
    CacheMark,
    LLMMessage,
    LLMProvider,
    LLMResponse,
    RequestValidationError,
    TextPart,
    ToolDefinition,
)
from orchestify_core.testing.servers import OpenAIServer

MakeProvider = Callable[..., LLMProvider]
SYSTEM = "You answer questions about the weather, briefly and exactly. " * 4


@pytest.fixture(params=["fast", "sdk"])
def decode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def call(provider: LLMProvider, stream: bool, messages: Any, **kwargs: Any) -> LLMResponse:
    if not stream:
        return await provider.complete(messages, **kwargs)
    events = provider.stream(messages, **kwargs)
    async for _ in events:
        pass
    assert events.response is not None
    return events.response


def sent(server: OpenAIServer) -> dict[str, Any]:
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_key_and_retention_from_options(
    make_provider: MakeProvider, openai_server: OpenAIServer, decode: str, stream: bool
) -> None:
    options = {"decode": decode, "prompt_cache_key": "bot-7", "prompt_cache_retention": "24h"}
    provider = make_provider(options=options)
    await call(provider, stream, [LLMMessage("user", "hi")])
    body = sent(openai_server)
    assert body["prompt_cache_key"] == "bot-7"
    assert body["prompt_cache_retention"] == "24h"


async def test_a_call_key_wins(make_provider: MakeProvider, openai_server: OpenAIServer) -> None:
    provider = make_provider(options={"prompt_cache_key": "bot-7"})
    await provider.complete([LLMMessage("user", "hi")], extra={"prompt_cache_key": "user-42"})
    assert sent(openai_server)["prompt_cache_key"] == "user-42"


async def test_no_key_no_field(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    await provider.complete([LLMMessage("user", "hi")])
    body = sent(openai_server)
    assert "prompt_cache_key" not in body
    assert "prompt_cache_retention" not in body


async def test_marks_and_policy_are_not_sent(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """OpenAI caches by itself: marks and the policy's keys never reach its wire."""
    messages = [
        LLMMessage("system", [TextPart(SYSTEM, cache=CacheMark("1h"))]),
        LLMMessage("user", [TextPart("doc", cache=CacheMark())]),
    ]
    tools = [ToolDefinition("weather", cache=CacheMark("1h"))]
    extra = {"prompt_cache": "auto", "prompt_cache_ttl": "1h"}
    await provider.complete(messages, tools=tools, extra=extra)
    body = sent(openai_server)
    assert "cache_control" not in str(body)
    assert "prompt_cache" not in body
    assert "prompt_cache_ttl" not in body
    assert body["messages"][0]["content"] == SYSTEM


async def test_a_fifth_mark_is_refused_here_too(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """The same request must be valid on every provider of a failover chain."""
    parts = [TextPart(str(n), cache=CacheMark()) for n in range(5)]
    with pytest.raises(RequestValidationError, match="at most 4 prompt-cache marks"):
        await provider.complete([LLMMessage("user", parts)])
    assert openai_server.requests == []


def test_bad_retention_is_a_config_error(make_provider: MakeProvider) -> None:
    with pytest.raises(Exception, match=r"options\.prompt_cache_retention"):
        make_provider(options={"prompt_cache_retention": "forever"})


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_a_repeated_key_reads_cached_tokens_and_costs_less(
    make_provider: MakeProvider, openai_server: OpenAIServer, decode: str, stream: bool
) -> None:
    """The server's emulated cache reports ``cached_tokens`` for a prefix sent before with the
    same key; they are read back and priced at the cache-read rate."""
    provider = make_provider(options={"decode": decode, "prompt_cache_key": "bot-7"})
    messages = [LLMMessage("system", SYSTEM), LLMMessage("user", "Oslo?")]
    first = await call(provider, stream, messages)
    assert first.cache_read_tokens == 0
    messages += [first.to_message(), LLMMessage("user", "And Bergen?")]
    second = await call(provider, stream, messages)
    assert 0 < second.cache_read_tokens < second.tokens_input
    price = provider.price()
    assert price is not None
    assert price.cache_read_per_mtok is not None
    uncached = second.tokens_input - second.cache_read_tokens
    expected = (
        uncached * price.input_per_mtok
        + second.cache_read_tokens * price.cache_read_per_mtok
        + second.tokens_output * price.output_per_mtok
    ) / Decimal(1_000_000)
    assert second.cost_usd == expected
