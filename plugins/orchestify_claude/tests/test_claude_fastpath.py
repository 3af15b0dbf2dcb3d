"""The fast path against the SDK's own decoding: the same answers give the same records.

Every scenario is answered twice by the loopback server (or, for hand-written wire bodies,
by an in-process transport that hands the body over in small pieces): once to a provider
with ``options: {decode: sdk}``, whose SDK parses the answer into its objects, and once to
the default fast path, which decodes the raw body itself. The hooks are called as the core
calls them, and their outcomes must be identical: the LLMResponse of a call; every event of
a stream, in order, up to its end or its error; and the error, compared as the user sees it
(its class, message, status, error type and retry hints). A stray exception (a wrong-shaped
answer the plugin could not read) is what the core turns into a MalformedResponseError;
both paths must raise one there, though not necessarily with the same words.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from orchestify_claude import plugin
from orchestify_claude._options import ClaudeOptions, Decode

from orchestify_core import CompletionRequest, LLMMessage, OrchestifyError, ToolDefinition
from orchestify_core.config import ProviderConfig
from orchestify_core.plugin import APIError, MalformedResponseError, ProviderContext
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import AnthropicServer, Reply, ThinkingSpec, ToolCallSpec

MODEL = "claude-haiku-4-5"
TOOLS = (
    ToolDefinition(name="get_weather", input_schema={"type": "object"}),
    ToolDefinition(name="get_time", input_schema={"type": "object"}),
)
REQUEST = CompletionRequest(
    messages=(LLMMessage(role="user", content="hi"),), model=MODEL, max_tokens=2048, tools=TOOLS
)
TEXT = 'Hello there, fast path: héllo ☃ 😀 "quoted" \\ back\nslash'
CALLS = (
    ToolCallSpec(
        "get_weather", {"city": "Paris", "days": [1, 2], "deep": {"a": None}}, id="toolu_a"
    ),
    ToolCallSpec("get_time", {"zone": "Europe/Rome"}, id="toolu_fixed"),
)


def _stop_reasons() -> dict[str, Reply]:
    reasons = (
        "end_turn",
        "max_tokens",
        "tool_use",
        "refusal",
        "pause_turn",
        "model_context_window_exceeded",
        "weird_reason",
    )
    scenarios = {f"stop_{reason}": Reply("Done.", stop_reason=reason) for reason in reasons}
    scenarios["stop_sequence"] = Reply("Done.", stop_reason="stop_sequence", stop_sequence="##")
    return scenarios


def _faults() -> dict[str, Reply]:
    text = Reply(TEXT, chunk_size=7, input_tokens=12, output_tokens=7)
    scenarios: dict[str, Reply] = {}
    for fault in ("json", "malformed", "empty", "array", "object"):
        scenarios[f"body_{fault}"] = attrs_evolve(text, body_fault=fault)
    for fault in ("missing", "strings", "negative", "huge"):
        scenarios[f"usage_{fault}"] = attrs_evolve(text, usage_fault=fault)
    for after in (0, 1, 2, 3, 7):
        scenarios[f"stream_error_after_{after}"] = attrs_evolve(text, stream_error_after=after)
    for after in (0, 2, 3, 6):
        scenarios[f"drop_after_{after}"] = attrs_evolve(text, drop_after=after)
    for after in (1, 2, 4, 8):
        scenarios[f"stream_end_after_{after}"] = attrs_evolve(text, stream_end_after=after)
    return scenarios


def attrs_evolve(reply: Reply, **changes: Any) -> Reply:
    import attrs

    return attrs.evolve(reply, **changes)


def scenarios() -> dict[str, Reply]:
    """Every Reply option the server renders, alone or together."""
    cases: dict[str, Reply] = {
        "echo": Reply(),
        "text_in_chunks": Reply(TEXT, chunk_count=9),
        "text_one_char_chunks": Reply("abc def", chunk_size=1),
        "empty_text": Reply(""),
        "tool_calls": Reply(tool_calls=CALLS, json_chunk_count=4),
        "text_and_tool_calls": Reply("Checking.", tool_calls=CALLS),
        "tool_call_no_arguments": Reply(tool_calls=[ToolCallSpec("get_time", id="toolu_b")]),
        "tool_call_bad_json": Reply(
            tool_calls=[ToolCallSpec("get_time", id="toolu_c", raw_arguments='{"zone": nope')]
        ),
        "tool_call_deep_json": Reply(
            tool_calls=[
                ToolCallSpec("get_time", id="toolu_c", raw_arguments="[" * 3000 + "]" * 3000)
            ]
        ),
        "tool_call_array_json": Reply(
            tool_calls=[ToolCallSpec("get_time", id="toolu_c", raw_arguments="[1]")]
        ),
        "same_tool_index": Reply(tool_calls=CALLS, same_tool_index=True),
        "thinking": Reply("Answer.", thinking=ThinkingSpec("first, second, third", "sig-1")),
        "thinking_chunks": Reply(
            "Answer.", thinking=ThinkingSpec("a b c d e f g", "sig-2"), chunk_count=4
        ),
        "redacted_thinking": Reply("Answer.", redacted_thinking="Zm9vYmFy"),
        "everything": Reply(
            TEXT,
            thinking=ThinkingSpec("why not", "sig-3"),
            redacted_thinking="cmVk",
            tool_calls=CALLS,
            input_tokens=100,
            output_tokens=50,
            cache_read_tokens=30,
            cache_write_tokens=20,
            reasoning_tokens=12,
        ),
        "cache_tokens": Reply("Cached.", input_tokens=10, cache_read_tokens=900, output_tokens=3),
        "cache_writes": Reply("Written.", input_tokens=10, cache_write_tokens=400),
        "reasoning_tokens": Reply("Thought.", output_tokens=40, reasoning_tokens=33),
        "other_model": Reply("Me.", model="claude-sonnet-4-5"),
        "fixed_id": Reply("Id.", id="msg_fixed"),
        "invalid_utf8": Reply(TEXT, chunk_size=8, invalid_utf8=True),
        "plain_content_type": Reply("Typed.", content_type="text/plain"),
        "status_400": Reply(status=400, error_message="bad thing"),
        "status_401_echo_key": Reply(status=401, echo_key=True),
        "status_429_retry_after": Reply(status=429, retry_after=3),
        "status_429_retry_after_ms": Reply(status=429, retry_after_ms=1500),
        "status_429_nan": Reply(status=429, headers={"retry-after": "nan"}),
        "status_500": Reply(status=500),
        "status_529": Reply(status=529, headers={"x-should-retry": "true"}),
        "status_404_custom_type": Reply(status=404, error_type="not_found_error"),
        "stream_error_api_error": Reply(
            TEXT, stream_error_after=4, error_type="api_error", error_message="boom"
        ),
        "stream_error_echo_key": Reply(TEXT, stream_error_after=2, echo_key=True),
        **_stop_reasons(),
        **_faults(),
    }
    return cases


_REQUEST_ID = re.compile(r"req_loopback\d+")
_UNREADABLE = ("MalformedResponseError (unreadable answer)",)


def _error_outcome(exc: BaseException) -> tuple[Any, ...]:
    """An error as the user sees it, once the core's attempt boundary has typed it (the
    server numbers its request ids, which differ from one answer to the next)."""
    if isinstance(exc, MalformedResponseError):
        return _UNREADABLE
    if isinstance(exc, APIError):
        message = _REQUEST_ID.sub("req_N", str(exc))
        return (
            type(exc).__name__,
            message,
            exc.status_code,
            exc.error_type,
            exc.should_retry,
            exc.retry_after,
        )
    if isinstance(exc, OrchestifyError):
        return (type(exc).__name__, str(exc))
    if isinstance(exc, TimeoutError):
        return ("APITimeoutError",)
    return _UNREADABLE


async def _outcome(context: ProviderContext, mode: str, request: CompletionRequest) -> Any:
    """What one call gives: the response, or the events up to the end, and the error."""
    events: list[Any] = []
    try:
        if mode == "complete":
            awaitable = plugin.orchestify_complete(provider=context, request=request)
            return ("response", await awaitable)
        async for event in plugin.orchestify_stream(provider=context, request=request):
            events.append(event)
    except Exception as exc:
        return ("error", events, _error_outcome(exc))
    return ("events", events)


def _context(base_url: str, decode: Decode, client: Any = None) -> ProviderContext:
    config = ProviderConfig(
        type="anthropic", default_model=MODEL, api_key=Secret("sk-ant-diff"), base_url=base_url
    )
    context = ProviderContext("diff", "anthropic", config, options=ClaudeOptions(decode=decode))
    context.client = client if client is not None else plugin.orchestify_create_client(context)
    return context


@pytest.fixture
async def contexts(
    anthropic_server: AnthropicServer,
) -> AsyncIterator[tuple[ProviderContext, ProviderContext]]:
    sdk = _context(anthropic_server.base_url, Decode.SDK)
    fast = _context(anthropic_server.base_url, Decode.FAST)
    yield sdk, fast
    await sdk.client.close()
    await fast.client.close()


SCENARIOS = scenarios()


@pytest.mark.parametrize("mode", ["complete", "stream"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_same_records_both_ways(
    name: str,
    mode: str,
    contexts: tuple[ProviderContext, ProviderContext],
    anthropic_server: AnthropicServer,
) -> None:
    sdk, fast = contexts
    outcomes = []
    for context in (sdk, fast):
        anthropic_server.enqueue(SCENARIOS[name])
        outcomes.append(await _outcome(context, mode, REQUEST))
    assert outcomes[1] == outcomes[0]
    assert outcomes[1][0] in ("response", "events", "error")


def _hostile_cases() -> list[Any]:
    try:
        from tests.reliability.hostile_support import CASES
    except ImportError:  # the plugin's tests run outside the repository
        return []
    return [case for case in CASES if not case.redirect]


@pytest.mark.parametrize("case", _hostile_cases(), ids=lambda case: case.name)
async def test_hostile_answers_both_ways(
    case: Any,
    contexts: tuple[ProviderContext, ProviderContext],
    anthropic_server: AnthropicServer,
) -> None:
    """The hostile matrix's answers (tests/reliability) decode alike on both paths."""
    from tests.reliability.hostile_support import Context

    for mode in case.modes:
        replies = case.script(Context("anthropic", mode, anthropic_server.base_url))
        outcomes = []
        for context in contexts:
            anthropic_server.enqueue(replies[0])
            outcomes.append(await _outcome(context, mode, REQUEST))
        assert outcomes[1] == outcomes[0], mode


# --------------------------------------------------------------------------- hand-written wire


def _sse(*events: tuple[str | None, object]) -> str:
    out = []
    for name, data in events:
        head = f"event: {name}\n" if name is not None else ""
        body = data if isinstance(data, str) else json.dumps(data)
        out.append(f"{head}data: {body}\n\n")
    return "".join(out)


_START = {
    "type": "message_start",
    "message": {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [],
        "usage": {"input_tokens": 5, "output_tokens": 1},
    },
}
_TEXT_START = {
    "type": "content_block_start",
    "index": 0,
    "content_block": {"type": "text", "text": ""},
}
_DELTA = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hé"}}
_END = {
    "type": "message_delta",
    "delta": {"stop_reason": "end_turn"},
    "usage": {"output_tokens": 9},
}
_STOP = {"type": "message_stop"}
_GOOD = _sse(
    ("message_start", _START),
    ("ping", {"type": "ping"}),
    ("content_block_start", _TEXT_START),
    ("content_block_delta", _DELTA),
    ("content_block_delta", _DELTA),
    ("message_delta", _END),
    ("message_stop", _STOP),
)

WIRE_STREAMS: dict[str, str] = {
    "lf": _GOOD,
    "crlf": _GOOD.replace("\n", "\r\n"),
    "cr": _GOOD.replace("\n", "\r"),
    "comments_and_ids": ": hello\nid: 7\nretry: 100\n" + _GOOD,
    "no_space_after_colon": _GOOD.replace("data: ", "data:").replace("event: ", "event:"),
    "data_without_event": _GOOD.replace("event: content_block_delta\n", ""),
    "two_data_lines": _GOOD.replace('"text": "h\\u00e9"}}', '"text":\ndata: "two"}}'),
    "no_final_blank_line": _GOOD[:-1],
    "unknown_event_type": _sse(("message_start", _START), ("mystery", {"type": "mystery"})) + _GOOD,
    "error_event_text": _sse(("message_start", _START), ("error", "not json at all")),
    "error_event_empty": _sse(("message_start", _START)) + "event: error\ndata:\n\n",
    "error_event_no_error": _sse(("message_start", _START), ("error", {"type": "error"})),
    "not_json_data": _sse(("message_start", _START), ("content_block_delta", "{nope")),
    "json_list_data": _sse(("message_start", _START), ("content_block_delta", [1, 2])),
    "delta_without_delta": _sse(
        ("message_start", _START), ("content_block_delta", {"type": "content_block_delta"})
    ),
    "nan_usage": _sse(
        (
            "message_start",
            '{"type":"message_start","message":{"model":"m",'
            '"usage":{"input_tokens":NaN,"output_tokens":1}}}',
        )
    ),
    "lone_surrogate": _GOOD.replace('"h\\u00e9"', '"\\ud800x"'),
    "big_int_usage": _GOOD.replace('"output_tokens": 9', '"output_tokens": 123456789012345678901'),
}

WIRE_BODIES: dict[str, tuple[str, str]] = {
    "message": (
        "application/json",
        json.dumps(
            {
                **_START["message"],
                "content": [  # type: ignore[dict-item]
                    {"type": "text", "text": "x"},
                    {"type": "server_tool_use", "id": "s"},
                    {"type": "thinking", "thinking": "t"},
                    {"type": "tool_use", "id": "t", "name": "n", "input": "not an object"},
                ],
            }
        ),
    ),
    "null": ("application/json", "null"),
    "text_body": ("text/plain", "plain words"),
    "json_as_text": ("text/plain", json.dumps(_START["message"])),
    "content_not_a_list": ("application/json", '{"content": 5, "usage": {}}'),
    "block_not_an_object": ("application/json", '{"content": [5], "usage": {}}'),
    "missing_usage": ("application/json", '{"content": [], "model": "m"}'),
    "usage_details": (
        "application/json",
        json.dumps(
            {
                **_START["message"],
                "usage": {  # type: ignore[dict-item]
                    "input_tokens": 1,
                    "output_tokens": 9,
                    "output_tokens_details": {"thinking_tokens": 4},
                },
            }
        ),
    ),
    "nan": ("application/json", '{"content": [], "usage": {"input_tokens": NaN}}'),
}


def _transport_client(body: bytes, content_type: str, piece: int) -> Any:
    """An SDK client whose every answer is ``body``, handed over ``piece`` bytes at a time."""
    import anthropic

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start : start + piece]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=pieces(), headers={"content-type": content_type})

    return anthropic.AsyncAnthropic(
        api_key="k",
        base_url="http://wire.test",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )


@pytest.mark.parametrize("piece", [1, 5, 4096])
@pytest.mark.parametrize("name", sorted(WIRE_STREAMS))
async def test_wire_streams_both_ways(name: str, piece: int) -> None:
    """Hand-written event streams, read in pieces of 1, 5 and 4,096 bytes."""
    body = WIRE_STREAMS[name].encode()
    outcomes = []
    for decode in (Decode.SDK, Decode.FAST):
        client = _transport_client(body, "text/event-stream", piece)
        outcomes.append(
            await _outcome(_context("http://wire.test", decode, client), "stream", REQUEST)
        )
        await client.close()
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("name", sorted(WIRE_BODIES))
async def test_wire_bodies_both_ways(name: str) -> None:
    """Hand-written non-streamed bodies, including shapes the server never sends."""
    content_type, text = WIRE_BODIES[name]
    outcomes = []
    for decode in (Decode.SDK, Decode.FAST):
        client = _transport_client(text.encode(), content_type, 4096)
        context = _context("http://wire.test", decode, client)
        outcomes.append(await _outcome(context, "complete", REQUEST))
        await client.close()
    assert outcomes[1] == outcomes[0]


async def test_raw_response_is_the_decoded_body(
    contexts: tuple[ProviderContext, ProviderContext], anthropic_server: AnthropicServer
) -> None:
    """The fast path's raw_response is the JSON body as a dict; decode: sdk keeps the SDK's."""
    import anthropic

    sdk, fast = contexts
    anthropic_server.enqueue(Reply("Raw.", id="msg_raw"))
    response = await plugin.orchestify_complete(provider=fast, request=REQUEST)
    assert response.raw_response["id"] == "msg_raw"
    assert response.raw_response["content"] == [{"type": "text", "text": "Raw."}]
    anthropic_server.enqueue(Reply("Raw.", id="msg_raw"))
    response = await plugin.orchestify_complete(provider=sdk, request=REQUEST)
    assert isinstance(response.raw_response, anthropic.types.Message)
