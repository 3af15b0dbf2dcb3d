"""The fast path against the SDK's own decoding (OpenAI Chat Completions): the same answers give the same records.

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
from orchestify_openai import plugin
from orchestify_openai._options import Decode, OpenAIOptions

from orchestify_core import CompletionRequest, LLMMessage, OrchestifyError, ToolDefinition
from orchestify_core.config import ProviderConfig
from orchestify_core.plugin import APIError, MalformedResponseError, ProviderContext
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import OpenAIServer, Reply, ThinkingSpec, ToolCallSpec

MODEL = "gpt-4o-mini"
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
        "get_weather", {"city": "Paris", "days": [1, 2], "deep": {"a": None}}, id="call_a"
    ),
    ToolCallSpec("get_time", {"zone": "Europe/Rome"}, id="call_fixed"),
)


def _stop_reasons() -> dict[str, Reply]:
    reasons = ("stop", "length", "tool_calls", "content_filter", "function_call", "weird_reason")
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
        "tool_call_no_arguments": Reply(tool_calls=[ToolCallSpec("get_time", id="call_b")]),
        "tool_call_bad_json": Reply(
            tool_calls=[ToolCallSpec("get_time", id="call_c", raw_arguments='{"zone": nope')]
        ),
        "tool_call_deep_json": Reply(
            tool_calls=[
                ToolCallSpec("get_time", id="call_c", raw_arguments="[" * 3000 + "]" * 3000)
            ]
        ),
        "tool_call_array_json": Reply(
            tool_calls=[ToolCallSpec("get_time", id="call_c", raw_arguments="[1]")]
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
        "status_503": Reply(status=503, headers={"x-should-retry": "true"}),
        "status_404_custom_code": Reply(status=404, error_code="model_not_found"),
        "stream_error_api_error": Reply(
            TEXT, stream_error_after=4, error_type="api_error", error_message="boom"
        ),
        "stream_error_echo_key": Reply(TEXT, stream_error_after=2, echo_key=True),
        **_stop_reasons(),
        **_faults(),
    }
    return cases


_REQUEST_ID = re.compile(r"req_loopback\w+")
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
        type="openai", default_model=MODEL, api_key=Secret("sk-diff"), base_url=base_url
    )
    context = ProviderContext("diff", "openai", config, options=OpenAIOptions(decode=decode))
    context.client = client if client is not None else plugin.orchestify_create_client(context)
    return context


@pytest.fixture
async def contexts(
    openai_server: OpenAIServer,
) -> AsyncIterator[tuple[ProviderContext, ProviderContext]]:
    sdk = _context(openai_server.base_url, Decode.SDK)
    fast = _context(openai_server.base_url, Decode.FAST)
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
    openai_server: OpenAIServer,
) -> None:
    sdk, fast = contexts
    outcomes = []
    for context in (sdk, fast):
        openai_server.enqueue(SCENARIOS[name])
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
    openai_server: OpenAIServer,
) -> None:
    """The hostile matrix's answers (tests/reliability) decode alike on both paths."""
    from tests.reliability.hostile_support import Context

    for mode in case.modes:
        replies = case.script(Context("openai", mode, openai_server.base_url))
        outcomes = []
        for context in contexts:
            openai_server.enqueue(replies[0])
            outcomes.append(await _outcome(context, mode, REQUEST))
        assert outcomes[1] == outcomes[0], mode


# --------------------------------------------------------------------------- hand-written wire


def _chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-x",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def _sse(*chunks: object, done: bool = True) -> str:
    out = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    return "".join(out) + ("data: [DONE]\n\n" if done else "")


_USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 4,
    "total_tokens": 13,
    "prompt_tokens_details": {"cached_tokens": 3, "cache_write_tokens": 1},
    "completion_tokens_details": {"reasoning_tokens": 2},
}
_GOOD = _sse(
    _chunk({"role": "assistant", "content": ""}),
    _chunk({"content": "hé"}),
    _chunk({"content": "llo"}),
    _chunk({}, "stop"),
    {"id": "c", "choices": [], "usage": _USAGE, "model": "gpt-x"},
)

WIRE_STREAMS: dict[str, str] = {
    "lf": _GOOD,
    "crlf": _GOOD.replace("\n", "\r\n"),
    "cr": _GOOD.replace("\n", "\r"),
    "comments_and_ids": ": hello\nid: 7\nretry: 100\n" + _GOOD,
    "no_space_after_colon": _GOOD.replace("data: ", "data:"),
    "named_events": _GOOD.replace("data: {", "event: chunk\ndata: {"),
    "thread_event": "event: thread.run\n" + _GOOD,
    "no_done": _sse(_chunk({"content": "x"}), _chunk({}, "stop"), done=False),
    "no_finish_reason": _sse(_chunk({"content": "x"})),
    "text_after_done": _GOOD + _sse(_chunk({"content": "late"})),
    "reasoning": _sse(
        _chunk({"reasoning_content": "Light "}),
        _chunk({"reasoning": "scatters"}),
        _chunk({"content": "Blue.", "reasoning_content": "r"}),
        _chunk({}, "stop"),
    ),
    "refusal": _sse(_chunk({"refusal": "No."}), _chunk({}, "stop")),
    "tool_call_pieces": _sse(
        _chunk(
            {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": ""}}]}
        ),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        _chunk({"tool_calls": [{"index": 1, "id": "b"}]}),
        _chunk({}, "tool_calls"),
    ),
    "second_choice": _sse(
        {
            **_chunk({"content": "x"}),
            "choices": [
                {"index": 1, "delta": {"content": "other"}},
                {"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"},
            ],
        }
    ),
    "error_chunk": _sse(
        _chunk({"content": "x"}), {"error": {"message": "boom", "type": "server_error", "code": 7}}
    ),
    "error_chunk_without_message": _sse({"error": {"type": "t"}}),
    "error_chunk_string": _sse({"error": "just words"}),
    "not_json": _sse("{nope"),
    "empty_data": "data:\n\n" + _GOOD,
    "list_data": _sse([1, 2]),
    "no_choices": _sse({"id": "c"}),
    "usage_strings": _GOOD.replace('"prompt_tokens": 9', '"prompt_tokens": "9"'),
    "nan": _sse(_chunk({"content": "x"}, "stop", usage={"prompt_tokens": float("nan")})),
    "lone_surrogate": _GOOD.replace('"h\\u00e9"', '"\\ud800x"'),
}

_COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-x",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi."}, "finish_reason": "stop"}
    ],
    "usage": _USAGE,
}


def _with_message(message: dict[str, Any], **extra: Any) -> str:
    body = {**_COMPLETION, **extra}
    body["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
    return json.dumps(body)


WIRE_BODIES: dict[str, tuple[str, str]] = {
    "completion": ("application/json", json.dumps(_COMPLETION)),
    "reasoning": ("application/json", _with_message({"content": "A.", "reasoning_content": "R."})),
    "refusal": ("application/json", _with_message({"content": None, "refusal": "No."})),
    "custom_tool": (
        "application/json",
        _with_message(
            {
                "tool_calls": [
                    {"id": "t", "type": "custom", "custom": {"name": "n", "input": "raw"}},
                    {"id": "f", "type": "function", "function": {"name": "g", "arguments": "{bad"}},
                ]
            }
        ),
    ),
    "no_usage": ("application/json", json.dumps({**_COMPLETION, "usage": None})),
    "null": ("application/json", "null"),
    "text_body": ("text/plain", "plain words"),
    "json_as_text": ("text/plain", json.dumps(_COMPLETION)),
    "no_choices": ("application/json", '{"choices": []}'),
    "choices_not_a_list": ("application/json", '{"choices": 5}'),
    "choice_not_an_object": ("application/json", '{"choices": [5]}'),
    "usage_strings": (
        "application/json",
        json.dumps({**_COMPLETION, "usage": {"prompt_tokens": "9"}}),
    ),
    "nan": (
        "application/json",
        json.dumps({**_COMPLETION, "usage": {"prompt_tokens": float("nan")}}),
    ),
}


def _transport_client(body: bytes, content_type: str, piece: int) -> Any:
    """An SDK client whose every answer is ``body``, handed over ``piece`` bytes at a time."""
    import openai

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start : start + piece]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=pieces(), headers={"content-type": content_type})

    return openai.AsyncOpenAI(
        api_key="k",
        base_url="http://wire.test/v1",
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
            await _outcome(_context("http://wire.test/v1", decode, client), "stream", REQUEST)
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
        context = _context("http://wire.test/v1", decode, client)
        outcomes.append(await _outcome(context, "complete", REQUEST))
        await client.close()
    assert outcomes[1] == outcomes[0]


async def test_raw_response_is_the_decoded_body(
    contexts: tuple[ProviderContext, ProviderContext], openai_server: OpenAIServer
) -> None:
    """The fast path's raw_response is the JSON body as a dict; decode: sdk keeps the SDK's."""
    from openai.types.chat import ChatCompletion

    sdk, fast = contexts
    openai_server.enqueue(Reply("Raw.", id="chatcmpl-raw"))
    response = await plugin.orchestify_complete(provider=fast, request=REQUEST)
    assert response.raw_response["id"] == "chatcmpl-raw"
    assert response.raw_response["choices"][0]["message"]["content"] == "Raw."
    openai_server.enqueue(Reply("Raw.", id="chatcmpl-raw"))
    response = await plugin.orchestify_complete(provider=sdk, request=REQUEST)
    assert isinstance(response.raw_response, ChatCompletion)
