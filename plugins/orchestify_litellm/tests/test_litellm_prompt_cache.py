"""Prompt caching through LiteLLM: marks reach an ``anthropic/`` backend as Anthropic's
``cache_control`` (LiteLLM translating them), an ``openai/`` backend gets
``prompt_cache_key`` and no marks; cache writes and reads come back and are priced."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Any

import pytest
from litellm_support import PNG, Build

from orchestify_core import (
    CacheMark,
    ImagePart,
    LLMMessage,
    LLMProvider,
    LLMResponse,
    TextPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)
from orchestify_core.testing.servers import Reply

BackendFor = Callable[[str], AbstractAsyncContextManager[tuple[Any, str]]]
FIVE = {"type": "ephemeral"}
HOUR = {"type": "ephemeral", "ttl": "1h"}
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
SYSTEM = "You answer questions about the weather, briefly and exactly. " * 4


async def call(provider: LLMProvider, stream: bool, messages: Any, **kwargs: Any) -> LLMResponse:
    if not stream:
        return await provider.complete(messages, **kwargs)
    events = provider.stream(messages, **kwargs)
    async for _ in events:
        pass
    assert events.response is not None
    return events.response


def sent(server: Any) -> dict[str, Any]:
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


def marked_conversation() -> tuple[list[LLMMessage], list[ToolDefinition]]:
    tools = [
        ToolDefinition("clock", "The time.", SCHEMA),
        ToolDefinition("weather", "The weather.", SCHEMA, cache=CacheMark("1h")),
    ]
    messages = [
        LLMMessage("system", [TextPart("Rules."), TextPart(SYSTEM, cache=CacheMark("1h"))]),
        LLMMessage(
            "user",
            [ImagePart(media_type="image/png", data=PNG, cache=CacheMark()), TextPart("Here?")],
        ),
        LLMMessage("assistant", [ToolCall("toolu_1", "weather", {"city": "Oslo"})]),
        LLMMessage("tool", [ToolResultPart("toolu_1", "sunny", cache=CacheMark())]),
    ]
    return messages, tools


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_marks_reach_an_anthropic_backend_as_cache_control(
    backend_for: BackendFor, build: Build, stream: bool
) -> None:
    async with backend_for("anthropic") as (server, model):
        provider = build(model, server.base_url)
        messages, tools = marked_conversation()
        await call(provider, stream, messages, tools=tools)
        await provider.aclose()
    body = sent(server)
    assert [tool.get("cache_control") for tool in body["tools"]] == [None, HOUR]
    assert body["system"] == [
        {"type": "text", "text": "Rules."},
        {"type": "text", "text": SYSTEM, "cache_control": HOUR},
    ]
    image, text = body["messages"][0]["content"]
    assert image["type"] == "image"
    assert image["cache_control"] == FIVE
    assert "cache_control" not in text
    (result,) = body["messages"][2]["content"]
    assert result["type"] == "tool_result"
    assert result["cache_control"] == FIVE
    assert str(body).count("cache_control") == 4


async def test_auto_policy_on_an_anthropic_backend(backend_for: BackendFor, build: Build) -> None:
    """``prompt_cache: auto`` marks the last tool, the system prompt and the earlier turns,
    and the server's emulated cache reads on the next turn what this one wrote."""
    async with backend_for("anthropic") as (server, model):
        provider = build(model, server.base_url, options={"prompt_cache": "auto"})
        tools = [ToolDefinition("weather", "The weather.", SCHEMA)]
        messages = [LLMMessage("system", SYSTEM), LLMMessage("user", "Oslo?")]
        first = await provider.complete(messages, tools=tools)
        messages += [first.to_message(), LLMMessage("user", "And Bergen?")]
        second = await provider.complete(messages, tools=tools)
        price = provider.price()
        await provider.aclose()
    body = sent(server)
    assert body["tools"][0]["cache_control"] == FIVE
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": FIVE}]
    assert body["messages"][1]["content"][-1]["cache_control"] == FIVE
    assert "cache_control" not in str(body["messages"][2])
    assert first.cache_read_tokens == 0
    assert first.cache_write_tokens > 0
    assert second.cache_read_tokens == first.cache_write_tokens
    assert price is not None
    assert price.cache_read_per_mtok is not None
    assert price.cache_write_per_mtok is not None
    uncached = second.tokens_input - second.cache_read_tokens - second.cache_write_tokens
    expected = (
        uncached * price.input_per_mtok
        + second.cache_read_tokens * price.cache_read_per_mtok
        + second.cache_write_tokens * price.cache_write_per_mtok
        + second.tokens_output * price.output_per_mtok
    ) / Decimal(1_000_000)
    assert second.cost_usd == expected


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_an_openai_backend_gets_the_key_and_no_marks(
    backend_for: BackendFor, build: Build, stream: bool
) -> None:
    async with backend_for("openai") as (server, model):
        provider = build(model, server.base_url, options={"prompt_cache_key": "bot-7"})
        messages, tools = marked_conversation()
        await call(provider, stream, messages, tools=tools, extra={"prompt_cache": "auto"})
        await call(provider, stream, [LLMMessage("user", "hi")], extra={"prompt_cache_key": "u1"})
        await provider.aclose()
    first, second = (request.body for request in server.requests)
    assert first["prompt_cache_key"] == "bot-7"
    assert "cache_control" not in str(first)
    assert "prompt_cache" not in first
    assert first["messages"][0]["content"] == "Rules." + SYSTEM
    assert second["prompt_cache_key"] == "u1"


async def test_a_repeated_key_reads_cached_tokens(backend_for: BackendFor, build: Build) -> None:
    async with backend_for("openai") as (server, model):
        provider = build(model, server.base_url, options={"prompt_cache_key": "bot-7"})
        messages = [LLMMessage("system", SYSTEM), LLMMessage("user", "Oslo?")]
        first = await provider.complete(messages)
        messages += [first.to_message(), LLMMessage("user", "And Bergen?")]
        second = await provider.complete(messages)
        await provider.aclose()
    assert first.cache_read_tokens == 0
    assert 0 < second.cache_read_tokens < second.tokens_input


async def test_the_key_is_not_sent_to_an_anthropic_backend(
    backend_for: BackendFor, build: Build
) -> None:
    async with backend_for("anthropic") as (server, model):
        provider = build(model, server.base_url, options={"prompt_cache_key": "bot-7"})
        await provider.complete([LLMMessage("user", "hi")])
        await provider.aclose()
    assert "prompt_cache_key" not in sent(server)


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_hour_writes_are_read_and_priced_at_their_rate(
    backend_for: BackendFor, build: Build, stream: bool
) -> None:
    """The 1-hour part of Anthropic's cache writes comes through LiteLLM and is priced at
    the cost map's ``cache_creation_input_token_cost_above_1hr``."""
    async with backend_for("anthropic") as (server, model):
        provider = build(model, server.base_url)
        server.enqueue(
            Reply(
                "cached",
                input_tokens=1000,
                output_tokens=200,
                cache_read_tokens=3000,
                cache_write_tokens=500,
                cache_write_1h_tokens=200,
            )
        )
        response = await call(provider, stream, [LLMMessage("user", "hi")])
        price = provider.price()
        await provider.aclose()
    assert (response.cache_write_tokens, response.cache_write_1h_tokens) == (500, 200)
    assert price is not None
    assert price.cache_read_per_mtok is not None
    assert price.cache_write_per_mtok is not None
    assert price.cache_write_1h_per_mtok == 2 * price.input_per_mtok
    expected = (
        1000 * price.input_per_mtok
        + 3000 * price.cache_read_per_mtok
        + 300 * price.cache_write_per_mtok
        + 200 * price.cache_write_1h_per_mtok
        + 200 * price.output_per_mtok
    ) / Decimal(1_000_000)
    assert response.cost_usd == expected
