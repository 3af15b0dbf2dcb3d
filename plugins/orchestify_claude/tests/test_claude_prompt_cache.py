"""Prompt caching on the wire: ``cache_control`` in Anthropic's exact shape, the automatic
policy, the limit of four, and the cost of cache writes (5-minute and 1-hour) and reads."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import genai_prices
import pytest
from genai_prices.data import providers as genai_providers

from orchestify_core import (
    CacheMark,
    ImagePart,
    LLMMessage,
    LLMProvider,
    LLMResponse,
    RequestValidationError,
    TextPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
MODEL = "claude-haiku-4-5"
FIVE = {"type": "ephemeral"}
HOUR = {"type": "ephemeral", "ttl": "1h"}
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}
SYSTEM = "You answer questions about the weather, briefly and exactly. " * 4
PIXEL_B64 = base64.b64encode(bytes.fromhex("89504e470d0a1a0a")).decode()


@pytest.fixture(params=["fast", "sdk"])
def decode(request: pytest.FixtureRequest) -> str:
    """Both decode paths: they share the request building, so the wire must be the same."""
    return str(request.param)


async def call(provider: LLMProvider, stream: bool, messages: Any, **kwargs: Any) -> LLMResponse:
    """One completion, or a stream read to its end."""
    if not stream:
        return await provider.complete(messages, **kwargs)
    events = provider.stream(messages, **kwargs)
    async for _ in events:
        pass
    assert events.response is not None
    return events.response


def sent(server: AnthropicServer) -> dict[str, Any]:
    """The JSON body of the last request the server received."""
    body = server.requests[-1].body
    assert isinstance(body, dict)
    return body


def marked_conversation() -> tuple[list[LLMMessage], list[ToolDefinition]]:
    """A system prompt, tools, an image and a tool result, with four marks (1h first)."""
    tools = [
        ToolDefinition("clock", "The time.", SCHEMA),
        ToolDefinition("weather", "The weather.", SCHEMA, cache=CacheMark("1h")),
    ]
    messages = [
        LLMMessage(
            role="system",
            content=[TextPart("Rules."), TextPart(SYSTEM, cache=CacheMark("1h"))],
        ),
        LLMMessage(
            role="user",
            content=[
                ImagePart(media_type="image/png", data=PIXEL_B64, cache=CacheMark()),
                TextPart("Weather here?"),
            ],
        ),
        LLMMessage(role="assistant", content=[ToolCall("toolu_1", "weather", {"city": "Oslo"})]),
        LLMMessage(role="tool", content=[ToolResultPart("toolu_1", "sunny", cache=CacheMark())]),
    ]
    return messages, tools


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_marks_on_the_wire_in_anthropic_shape(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, decode: str, stream: bool
) -> None:
    """System, tool, image and tool-result marks reach the wire as ``cache_control``,
    ``{"type": "ephemeral"}`` for five minutes and with ``"ttl": "1h"`` for an hour."""
    provider = make_provider(options={"decode": decode})
    messages, tools = marked_conversation()
    await call(provider, stream, messages, tools=tools)
    body = sent(anthropic_server)
    assert body["tools"][0].get("cache_control") is None
    assert body["tools"][1]["cache_control"] == HOUR
    assert body["system"] == [
        {"type": "text", "text": "Rules."},
        {"type": "text", "text": SYSTEM, "cache_control": HOUR},
    ]
    image, text = body["messages"][0]["content"]
    assert image["type"] == "image"
    assert image["cache_control"] == FIVE
    assert "cache_control" not in text
    assert "cache_control" not in body["messages"][1]["content"][0]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny", "cache_control": FIVE}
    ]


async def test_unmarked_system_prompt_stays_a_string(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Without marks nothing changes on the wire: the system prompt is one string."""
    await provider.complete([LLMMessage("system", SYSTEM), LLMMessage("user", "hi")])
    body = sent(anthropic_server)
    assert body["system"] == SYSTEM
    assert "cache_control" not in str(body)


async def test_dict_inputs_take_anthropic_cache_control(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Dict messages with text blocks and dict tools (both styles) carry ``cache_control``."""
    messages = [
        {"role": "system", "content": [{"type": "text", "text": SYSTEM, "cache_control": FIVE}]},
        {
            "role": "user",
            "content": [{"type": "text", "text": "Long document.", "cache_control": FIVE}],
        },
    ]
    tools = [
        {"name": "clock", "input_schema": SCHEMA, "cache_control": HOUR},
        {
            "type": "function",
            "function": {"name": "weather", "parameters": SCHEMA},
            "cache_control": {"type": "ephemeral", "ttl": "5m"},
        },
    ]
    await provider.complete(messages, tools=tools)
    body = sent(anthropic_server)
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": FIVE}]
    assert [tool.get("cache_control") for tool in body["tools"]] == [HOUR, FIVE]
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Long document.", "cache_control": FIVE}
    ]


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"type": "persistent"}, "messages[0]: content[0].cache_control: cache_control type"),
        (
            {"type": "ephemeral", "ttl": "2h"},
            "messages[0]: content[0].cache_control: cache_control ttl",
        ),
        ({"type": "ephemeral", "size": 1}, "messages[0]: content[0].cache_control: unknown key"),
    ],
)
async def test_bad_marks_refused_before_sending(
    provider: LLMProvider, anthropic_server: AnthropicServer, bad: Any, where: str
) -> None:
    message = {"role": "user", "content": [{"type": "text", "text": "x", "cache_control": bad}]}
    with pytest.raises(RequestValidationError) as caught:
        await provider.complete([message])
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(where)
    assert anthropic_server.requests == []


async def test_a_fifth_mark_is_refused(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Anthropic takes four ``cache_control`` blocks; a fifth is refused, naming them all."""
    parts = [TextPart(f"part {n}", cache=CacheMark()) for n in range(5)]
    with pytest.raises(RequestValidationError, match=r"at most 4 prompt-cache marks.*got 5"):
        await provider.complete([LLMMessage("user", parts)])
    assert anthropic_server.requests == []


async def test_an_hour_after_five_minutes_is_refused(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Anthropic wants longer-lived marks first (tools, system, messages)."""
    system = LLMMessage("system", [TextPart(SYSTEM, cache=CacheMark("5m"))])
    user = LLMMessage("user", [TextPart("doc", cache=CacheMark("1h"))])
    with pytest.raises(RequestValidationError, match=r"messages\[1\]\.content\[0\]: a 1h"):
        await provider.complete([system, user])
    assert anthropic_server.requests == []


def conversation() -> list[LLMMessage]:
    return [
        LLMMessage("system", SYSTEM),
        LLMMessage("user", "What is the weather in Oslo?"),
        LLMMessage("assistant", "Sunny, 21 degrees."),
        LLMMessage("user", "And tomorrow?"),
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_auto_policy_from_options(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, decode: str, stream: bool
) -> None:
    """``prompt_cache: auto`` marks the last tool, the system prompt and the earlier turns;
    the newest user turn is left unmarked."""
    provider = make_provider(options={"decode": decode, "prompt_cache": "auto"})
    tools = [ToolDefinition("clock", "", SCHEMA), ToolDefinition("weather", "", SCHEMA)]
    await call(provider, stream, conversation(), tools=tools)
    body = sent(anthropic_server)
    assert [tool.get("cache_control") for tool in body["tools"]] == [None, FIVE]
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": FIVE}]
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Sunny, 21 degrees.", "cache_control": FIVE}
    ]
    assert body["messages"][2]["content"] == [{"type": "text", "text": "And tomorrow?"}]
    assert "prompt_cache" not in body


async def test_auto_policy_per_call_with_an_hour(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A call turns the policy on with ``extra``; the keys never reach the wire."""
    extra = {"prompt_cache": "auto", "prompt_cache_ttl": "1h"}
    await provider.complete(conversation(), extra=extra)
    body = sent(anthropic_server)
    assert body["system"][0]["cache_control"] == HOUR
    assert body["messages"][1]["content"][0]["cache_control"] == HOUR
    assert "prompt_cache" not in body
    assert "prompt_cache_ttl" not in body


async def test_a_call_turns_the_provider_policy_off(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider(options={"prompt_cache": "auto"})
    await provider.complete(conversation(), extra={"prompt_cache": "off"})
    assert "cache_control" not in str(sent(anthropic_server))


async def test_auto_policy_keeps_explicit_marks_within_four(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """Three explicit marks leave room for one automatic one: the last tool's."""
    provider = make_provider(options={"prompt_cache": "auto"})
    parts = [TextPart(f"doc {n}", cache=CacheMark()) for n in range(3)]
    messages = [*conversation()[:3], LLMMessage("user", parts)]
    await provider.complete(messages, tools=[ToolDefinition("clock", "", SCHEMA)])
    body = sent(anthropic_server)
    assert str(body).count("cache_control") == 4
    assert body["tools"][0]["cache_control"] == FIVE
    assert body["system"] == SYSTEM


def test_bad_policy_option_is_a_config_error(make_provider: MakeProvider) -> None:
    with pytest.raises(Exception, match=r"options\.prompt_cache"):
        make_provider(options={"prompt_cache": "always"})


async def test_bad_policy_per_call_is_refused(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    with pytest.raises(RequestValidationError, match=r"extra\['prompt_cache'\]: expected"):
        await provider.complete(conversation(), extra={"prompt_cache": "yes"})
    assert anthropic_server.requests == []


# --------------------------------------------------------------------------- usage and cost


def genai_rates(model: str) -> dict[str, Decimal]:
    """The model's rates per million tokens, read from genai-prices' own data."""
    (anthropic,) = [provider for provider in genai_providers if provider.id == "anthropic"]
    (info,) = [info for info in anthropic.models if info.id == model]
    prices = info.get_prices(datetime.now(tz=UTC))
    keys = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")
    rates = {key: getattr(prices, key) for key in (*keys, "cache_write_1h_mtok")}
    assert all(isinstance(rate, Decimal) for rate in rates.values())
    return rates


def hand_cost(response: LLMResponse) -> Decimal:
    """The cost worked out by hand: each kind of input token at its own rate."""
    rates = genai_rates(MODEL)
    written = response.cache_write_tokens
    hour = response.cache_write_1h_tokens
    uncached = response.tokens_input - response.cache_read_tokens - written
    total = (
        uncached * rates["input_mtok"]
        + response.cache_read_tokens * rates["cache_read_mtok"]
        + (written - hour) * rates["cache_write_mtok"]
        + hour * rates["cache_write_1h_mtok"]
        + response.tokens_output * rates["output_mtok"]
    )
    return total / Decimal(1_000_000)


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_cost_of_five_minute_and_hour_writes_and_reads(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, decode: str, stream: bool
) -> None:
    """Reported writes (some for an hour) and reads are priced at their genai-prices rates:
    1h writes at twice the input price, 5m writes at 1.25 times, reads at a tenth."""
    provider = make_provider(options={"decode": decode})
    anthropic_server.enqueue(
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
    assert response.tokens_input == 4500
    assert (response.cache_read_tokens, response.cache_write_tokens) == (3000, 500)
    assert response.cache_write_1h_tokens == 200
    rates = genai_rates(MODEL)
    assert rates["cache_write_1h_mtok"] == 2 * rates["input_mtok"]
    assert rates["cache_write_mtok"] == Decimal("1.25") * rates["input_mtok"]
    assert rates["cache_read_mtok"] == rates["input_mtok"] / 10
    assert response.cost_usd == hand_cost(response)
    usage = genai_prices.Usage(
        input_tokens=4500,
        cache_read_tokens=3000,
        cache_write_tokens=500,
        cache_write_1h_tokens=200,
        output_tokens=200,
    )
    genai = genai_prices.calc_price(usage, MODEL, provider_id="anthropic")
    assert response.cost_usd == genai.total_price


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_a_conversation_writes_then_reads_its_prefix(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, decode: str, stream: bool
) -> None:
    """With ``prompt_cache: auto`` against the server's emulated cache, each turn reads
    what the previous one wrote, and every call costs what its counts say."""
    provider = make_provider(options={"decode": decode, "prompt_cache": "auto"})
    tools = [ToolDefinition("weather", "The weather.", SCHEMA)]
    messages = [LLMMessage("system", SYSTEM), LLMMessage("user", "Oslo?")]
    first = await call(provider, stream, messages, tools=tools)
    assert first.cache_read_tokens == 0
    assert first.cache_write_tokens > 0
    messages += [first.to_message(), LLMMessage("user", "And Bergen?")]
    second = await call(provider, stream, messages, tools=tools)
    assert second.cache_read_tokens == first.cache_write_tokens
    assert second.cache_write_tokens > 0
    messages += [second.to_message(), LLMMessage("user", "And Tromso?")]
    third = await call(provider, stream, messages, tools=tools)
    assert third.cache_read_tokens == first.cache_write_tokens + second.cache_write_tokens
    for response in (first, second, third):
        assert response.cost_usd == hand_cost(response)
    total = sum((r.cost_usd or Decimal(0) for r in (first, second, third)), Decimal(0))
    assert provider.get_usage().cost == total


async def test_hour_writes_from_the_emulated_cache(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A 1h system mark writes for an hour, a 5m message mark for five minutes."""
    messages = [
        LLMMessage("system", [TextPart(SYSTEM, cache=CacheMark("1h"))]),
        LLMMessage("user", [TextPart("A long document. " * 20, cache=CacheMark())]),
        LLMMessage("user", "Summarise it."),
    ]
    response = await provider.complete(messages)
    usage = anthropic_server.requests[-1]
    assert usage.path == "/v1/messages"
    assert 0 < response.cache_write_1h_tokens < response.cache_write_tokens
    assert response.cost_usd == hand_cost(response)


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
async def test_fast_and_sdk_paths_send_the_same_body(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, stream: bool
) -> None:
    """Both decode paths build the request the same way: the recorded bodies are equal."""
    messages, tools = marked_conversation()
    for decode in ("fast", "sdk"):
        provider = make_provider(options={"decode": decode, "prompt_cache": "auto"})
        await call(provider, stream, messages, tools=tools)
    fast, sdk = (request.body for request in anthropic_server.requests)
    assert fast == sdk
    assert str(fast).count("cache_control") == 4
