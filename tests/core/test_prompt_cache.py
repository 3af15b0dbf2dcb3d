"""Prompt-cache marks in the data model, the automatic policy, the limits, and the prices
of cache writes (5-minute and 1-hour) and reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orchestify_core import (
    CacheMark,
    CompletionRequest,
    LLMMessage,
    ModelPrice,
    ProviderRegistry,
    RequestValidationError,
    TextPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
    Usage,
)
from orchestify_core import genai_prices as prices
from orchestify_core.config import parse_config
from orchestify_core.prompt_cache import (
    auto_breakpoints,
    check_breakpoints,
    marks_of,
    prepare_prompt_cache,
)

FIVE, HOUR = CacheMark(), CacheMark("1h")


def request(*messages: LLMMessage, tools: int = 0, **extra: Any) -> CompletionRequest:
    return CompletionRequest(
        messages=messages,
        model="m",
        max_tokens=100,
        tools=tuple(ToolDefinition(f"tool{n}") for n in range(tools)),
        extra=extra,
    )


def places(req: CompletionRequest) -> list[tuple[str, str]]:
    return [(item.where, item.mark.ttl) for item in marks_of(req)]


# --------------------------------------------------------------------------- marks


@pytest.mark.parametrize(
    ("given", "ttl"),
    [
        (True, "5m"),
        ("1h", "1h"),
        ({"type": "ephemeral"}, "5m"),
        ({"type": "ephemeral", "ttl": "1h"}, "1h"),
        (CacheMark("1h"), "1h"),
    ],
)
def test_marks_are_accepted_in_every_spelling(given: Any, ttl: str) -> None:
    part = TextPart("x", cache=given)
    assert part.cache == CacheMark(ttl)  # type: ignore[arg-type]


def test_anthropic_shape_of_a_mark() -> None:
    assert FIVE.to_anthropic() == {"type": "ephemeral"}
    assert HOUR.to_anthropic() == {"type": "ephemeral", "ttl": "1h"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2h", "cache: a prompt-cache mark is '5m' or '1h', got '2h'"),
        ({"type": "other"}, "cache: cache_control type must be 'ephemeral'"),
        ({"ttl": "1d"}, "cache: cache_control ttl must be '5m' or '1h'"),
        (3, "cache: a prompt-cache mark is a CacheMark"),
    ],
)
def test_bad_marks_are_refused_in_one_line(bad: Any, message: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        TextPart("x", cache=bad)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_dict_text_parts_carry_their_cache_control() -> None:
    message = LLMMessage(
        "user",
        [
            {"type": "text", "text": "a"},
            {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
        ],
    )
    assert message.parts == (TextPart("a"), TextPart("b", cache=HOUR))


def test_a_dict_part_that_is_not_text_is_refused() -> None:
    with pytest.raises(RequestValidationError, match=r"content\[0\]: a content part given as"):
        LLMMessage("user", [{"type": "image", "source": {}}])


def test_bad_dict_mark_names_its_part() -> None:
    bad = {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", "ttl": "9m"}}
    with pytest.raises(RequestValidationError, match=r"content\[1\]\.cache_control: .*ttl"):
        LLMMessage("user", [TextPart("a"), bad])


@pytest.mark.parametrize(
    "tool",
    [
        {"name": "t", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
        {"type": "function", "function": {"name": "t"}, "cache_control": {"ttl": "1h"}},
        {"type": "function", "function": {"name": "t", "cache_control": {"ttl": "1h"}}},
    ],
)
def test_tool_dicts_carry_their_cache_control(tool: dict[str, Any]) -> None:
    assert ToolDefinition.coerce(tool).cache == HOUR


def test_a_bad_tool_mark_names_the_tool() -> None:
    tool = {"name": "clock", "cache_control": {"type": "forever"}}
    with pytest.raises(RequestValidationError, match=r"tools\[2\] \(clock\)\.cache_control"):
        ToolDefinition.coerce(tool, "tools[2]")


# --------------------------------------------------------------------------- limits


def test_four_marks_pass_and_a_fifth_is_refused() -> None:
    four = request(LLMMessage("user", [TextPart(str(n), cache=FIVE) for n in range(4)]))
    check_breakpoints(four)
    five = request(LLMMessage("user", [TextPart(str(n), cache=FIVE) for n in range(5)]))
    with pytest.raises(RequestValidationError) as caught:
        check_breakpoints(five)
    assert str(caught.value).startswith("at most 4 prompt-cache marks fit in one request")
    assert "messages[0].content[4]" in str(caught.value)


def test_marks_are_read_in_prompt_order_and_an_hour_must_come_first() -> None:
    tools = (ToolDefinition("t", cache=HOUR),)
    ok = CompletionRequest(
        messages=(
            LLMMessage("user", [TextPart("u", cache=FIVE)]),
            LLMMessage("system", [TextPart("s", cache=HOUR)]),
        ),
        model="m",
        max_tokens=10,
        tools=tools,
    )
    assert places(ok) == [
        ("tools[0] (t)", "1h"),
        ("messages[1].content[0]", "1h"),
        ("messages[0].content[0]", "5m"),
    ]
    check_breakpoints(ok)
    wrong = request(
        LLMMessage("system", [TextPart("s", cache=FIVE)]),
        LLMMessage("user", [TextPart("u", cache=HOUR)]),
    )
    with pytest.raises(RequestValidationError, match=r"^messages\[1\]\.content\[0\]: a 1h"):
        check_breakpoints(wrong)


# --------------------------------------------------------------------------- the auto policy


def conversation() -> tuple[LLMMessage, ...]:
    return (
        LLMMessage("system", "rules"),
        LLMMessage("user", "q1"),
        LLMMessage("assistant", [TextPart("a1"), ToolCall("c1", "t")]),
        LLMMessage("tool", [ToolResultPart("c1", "r1")]),
        LLMMessage("assistant", "a2"),
        LLMMessage("user", "q2"),
    )


def test_auto_marks_last_tool_system_and_earlier_turns() -> None:
    placed = auto_breakpoints(request(*conversation(), tools=3))
    assert places(placed) == [
        ("tools[2] (tool2)", "5m"),
        ("messages[0].content[0]", "5m"),
        ("messages[4].content[0]", "5m"),
    ]
    assert placed.messages[5] == LLMMessage("user", "q2")


def test_auto_in_a_tool_loop_marks_the_call_before_the_results() -> None:
    messages = conversation()[:4]  # the newest turn is the tool result
    placed = auto_breakpoints(request(*messages), "1h")
    assert places(placed) == [("messages[0].content[0]", "1h"), ("messages[2].content[1]", "1h")]
    call = placed.messages[2].parts[1]
    assert isinstance(call, ToolCall)
    assert call.cache == HOUR


def test_auto_with_a_single_turn_marks_only_the_prefix() -> None:
    placed = auto_breakpoints(request(LLMMessage("system", "s"), LLMMessage("user", "q")))
    assert places(placed) == [("messages[0].content[0]", "5m")]


def test_auto_keeps_explicit_marks_and_the_limit() -> None:
    explicit = LLMMessage("user", [TextPart(str(n), cache=FIVE) for n in range(3)])
    placed = auto_breakpoints(request(*conversation()[:5], explicit, tools=1))
    assert len(marks_of(placed)) == 4
    assert placed.tools[0].cache == FIVE  # the first place in reading order wins
    full = request(
        *conversation()[:5],
        LLMMessage("user", [TextPart(str(n), cache=FIVE) for n in range(4)]),
        tools=1,
    )
    assert auto_breakpoints(full) == full  # no room left: nothing added


def test_auto_does_not_remark_and_takes_an_hour_before_a_later_hour() -> None:
    system = LLMMessage("system", [TextPart("s", cache=FIVE)])
    later = LLMMessage("user", [TextPart("doc", cache=HOUR)])
    placed = auto_breakpoints(request(system, LLMMessage("user", "q"), tools=1))
    assert places(placed) == [("tools[0] (tool0)", "5m"), ("messages[0].content[0]", "5m")]
    placed = auto_breakpoints(
        request(later, LLMMessage("assistant", "a"), LLMMessage("user", "q"), tools=1)
    )
    assert places(placed)[0] == ("tools[0] (tool0)", "1h")
    check_breakpoints(placed)


def test_prepare_reads_the_call_keys_and_takes_them_out() -> None:
    req = request(*conversation(), prompt_cache="auto", prompt_cache_ttl="1h", other=1)
    prepared = prepare_prompt_cache(req)
    assert dict(prepared.extra) == {"other": 1}
    assert {ttl for _, ttl in places(prepared)} == {"1h"}
    assert marks_of(prepare_prompt_cache(request(*conversation()), "off")) == []
    off = prepare_prompt_cache(request(*conversation(), prompt_cache="off"), "auto")
    assert marks_of(off) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"prompt_cache": "on"}, "extra['prompt_cache']: expected 'auto' or 'off', got 'on'"),
        ({"prompt_cache_ttl": "1d"}, "extra['prompt_cache_ttl']: expected '5m' or '1h'"),
    ],
)
def test_prepare_refuses_bad_call_keys(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestValidationError) as caught:
        prepare_prompt_cache(request(*conversation(), **extra))
    assert message in str(caught.value)


# --------------------------------------------------------------------------- prices


def test_hour_writes_are_priced_apart() -> None:
    price = ModelPrice(
        input_per_mtok=3,
        output_per_mtok=15,
        cache_read_per_mtok="0.3",
        cache_write_per_mtok="3.75",
        cache_write_1h_per_mtok=6,
    )
    usage = Usage(
        input_tokens=10_000,
        output_tokens=1_000,
        cache_read_tokens=4_000,
        cache_write_tokens=3_000,
        cache_write_1h_tokens=1_000,
    )
    uncached = 10_000 - 4_000 - 3_000
    expected = (
        uncached * Decimal(3)
        + 4_000 * Decimal("0.3")
        + 2_000 * Decimal("3.75")
        + 1_000 * Decimal(6)
        + 1_000 * Decimal(15)
    ) / 1_000_000
    assert price.cost(usage) == expected


def test_hour_writes_default_to_the_write_price() -> None:
    price = ModelPrice(input_per_mtok=1, output_per_mtok=1, cache_write_per_mtok=2)
    usage = Usage(input_tokens=100, cache_write_tokens=100, cache_write_1h_tokens=40)
    assert price.cost(usage) == Decimal(200) / 1_000_000


def test_more_hour_writes_than_writes_is_refused() -> None:
    with pytest.raises(ValueError, match="cache_write_1h_tokens"):
        Usage(input_tokens=10, cache_write_tokens=1, cache_write_1h_tokens=2)


def test_genai_prices_gives_the_hour_write_rate() -> None:
    """Anthropic's rates as genai-prices records them: 1h writes at twice the input price,
    5m writes at 1.25 times, reads at a tenth."""
    price = prices.price_for("anthropic", "claude-sonnet-4-5")
    assert price is not None
    assert price.cache_write_1h_per_mtok == 2 * price.input_per_mtok
    assert price.cache_write_per_mtok == Decimal("1.25") * price.input_per_mtok
    assert price.cache_read_per_mtok == price.input_per_mtok / 10


def test_a_config_price_takes_the_hour_write_rate() -> None:
    price = {"input": 3, "output": 15, "cache_write": "3.75", "cache_write_1h": 6}
    settings = {"type": "scripted", "default_model": "m", "prices": {"m": price}}
    config = parse_config([({"providers": {"p": settings}}, {})])
    model_price = ProviderRegistry.from_config(config).get("p").price("m")
    assert model_price is not None
    assert model_price.cache_write_1h_per_mtok == Decimal(6)
    assert model_price.source == "config"


def test_an_hour_policy_keeps_after_a_five_minute_mark_valid() -> None:
    """With ``1h`` asked, marks read after the caller's 5m one take 5m (Anthropic wants the
    longer-lived first); the tool's, read before it, keeps the hour."""
    system = LLMMessage("system", [TextPart("s", cache=FIVE)])
    turns = (LLMMessage("user", "q1"), LLMMessage("assistant", "a1"), LLMMessage("user", "q2"))
    prepared = prepare_prompt_cache(request(system, *turns, tools=1), "auto", "1h")
    assert places(prepared) == [
        ("tools[0] (tool0)", "1h"),
        ("messages[0].content[0]", "5m"),
        ("messages[2].content[0]", "5m"),
    ]
    check_breakpoints(prepared)
