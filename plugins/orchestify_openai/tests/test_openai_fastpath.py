"""The fast path against the SDK's own decoding (OpenAI Chat Completions): the same
answers give the same records, call by call and event by event
(orchestify_core.testing.differential runs the comparisons; this module says what is the
plugin's own: its options, its protocol's finish reasons and errors, and hand-written wire
answers).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from orchestify_openai import plugin
from orchestify_openai._options import Decode, OpenAIOptions

from orchestify_core.testing.differential import FastPathDiff
from orchestify_core.testing.servers import OpenAIServer, Reply


def _wire_client(http_client: Any) -> Any:
    import openai

    return openai.AsyncOpenAI(
        api_key="k", base_url="http://wire.test/v1", max_retries=0, http_client=http_client
    )


DIFF = FastPathDiff(
    plugin=plugin,
    provider_type="openai",
    model="gpt-4o-mini",
    api_key="sk-diff",
    sdk_options=OpenAIOptions(decode=Decode.SDK),
    fast_options=OpenAIOptions(decode=Decode.FAST),
    tool_id_prefix="call_",
    stop_reasons=(
        "stop",
        "length",
        "tool_calls",
        "content_filter",
        "function_call",
        "weird_reason",
    ),
    extra_scenarios={
        "status_503": Reply(status=503, headers={"x-should-retry": "true"}),
        "status_404_custom_code": Reply(status=404, error_code="model_not_found"),
    },
    wire_client=_wire_client,
    wire_base_url="http://wire.test/v1",
)


@pytest.fixture
def diff_server(openai_server: OpenAIServer) -> OpenAIServer:
    """The loopback server the differential tests answer from."""
    return openai_server


def _hostile() -> tuple[list[Any], Any]:
    """The hostile matrix's cases (redirects aside) and the context their scripts take."""
    try:
        from tests.reliability.hostile_support import CASES, Context
    except ImportError:  # the plugin's tests run outside the repository
        return [], None
    return [case for case in CASES if not case.redirect], functools.partial(Context, "openai")


test_same_records_both_ways = DIFF.same_records_test()
test_hostile_answers_both_ways = DIFF.hostile_test(*_hostile())


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


test_wire_streams_both_ways = DIFF.wire_streams_test(WIRE_STREAMS)
test_wire_bodies_both_ways = DIFF.wire_bodies_test(WIRE_BODIES)


async def test_raw_response_is_the_decoded_body(openai_server: OpenAIServer) -> None:
    """The fast path's raw_response is the JSON body as a dict; decode: sdk keeps the SDK's."""
    from openai.types.chat import ChatCompletion

    async with DIFF.contexts(openai_server.base_url) as (sdk, fast):
        openai_server.enqueue(Reply("Raw.", id="chatcmpl-raw"))
        response = await plugin.orchestify_complete(provider=fast, request=DIFF.request)
        assert response.raw_response["id"] == "chatcmpl-raw"
        assert response.raw_response["choices"][0]["message"]["content"] == "Raw."
        openai_server.enqueue(Reply("Raw.", id="chatcmpl-raw"))
        response = await plugin.orchestify_complete(provider=sdk, request=DIFF.request)
        assert isinstance(response.raw_response, ChatCompletion)
