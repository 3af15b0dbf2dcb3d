"""The fast path against the SDK's own decoding (Anthropic Messages): the same answers give the
same records, call by call and event by event (orchestify_core.testing.differential runs
the comparisons; this module says what is the plugin's own: its options, its protocol's
stop reasons and errors, and hand-written wire answers).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from orchestify_claude import plugin
from orchestify_claude._options import ClaudeOptions, Decode

from orchestify_core.testing.differential import FastPathDiff
from orchestify_core.testing.servers import AnthropicServer, Reply


def _wire_client(http_client: Any) -> Any:
    import anthropic

    return anthropic.AsyncAnthropic(
        api_key="k", base_url="http://wire.test", max_retries=0, http_client=http_client
    )


DIFF = FastPathDiff(
    plugin=plugin,
    provider_type="anthropic",
    model="claude-haiku-4-5",
    api_key="sk-ant-diff",
    sdk_options=ClaudeOptions(decode=Decode.SDK),
    fast_options=ClaudeOptions(decode=Decode.FAST),
    tool_id_prefix="toolu_",
    stop_reasons=(
        "end_turn",
        "max_tokens",
        "tool_use",
        "refusal",
        "pause_turn",
        "model_context_window_exceeded",
        "weird_reason",
    ),
    extra_scenarios={
        "status_529": Reply(status=529, headers={"x-should-retry": "true"}),
        "status_404_custom_type": Reply(status=404, error_type="not_found_error"),
    },
    wire_client=_wire_client,
    wire_base_url="http://wire.test",
)


@pytest.fixture
def diff_server(anthropic_server: AnthropicServer) -> AnthropicServer:
    """The loopback server the differential tests answer from."""
    return anthropic_server


def _hostile() -> tuple[list[Any], Any]:
    """The hostile matrix's cases (redirects aside) and the context their scripts take."""
    try:
        from tests.reliability.hostile_support import CASES, Context
    except ImportError:  # the plugin's tests run outside the repository
        return [], None
    return [case for case in CASES if not case.redirect], functools.partial(Context, "anthropic")


test_same_records_both_ways = DIFF.same_records_test()
test_hostile_answers_both_ways = DIFF.hostile_test(*_hostile())


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


test_wire_streams_both_ways = DIFF.wire_streams_test(WIRE_STREAMS)
test_wire_bodies_both_ways = DIFF.wire_bodies_test(WIRE_BODIES)


async def test_raw_response_is_the_decoded_body(anthropic_server: AnthropicServer) -> None:
    """The fast path's raw_response is the JSON body as a dict; decode: sdk keeps the SDK's."""
    import anthropic

    async with DIFF.contexts(anthropic_server.base_url) as (sdk, fast):
        anthropic_server.enqueue(Reply("Raw.", id="msg_raw"))
        response = await plugin.orchestify_complete(provider=fast, request=DIFF.request)
        assert response.raw_response["id"] == "msg_raw"
        assert response.raw_response["content"] == [{"type": "text", "text": "Raw."}]
        anthropic_server.enqueue(Reply("Raw.", id="msg_raw"))
        response = await plugin.orchestify_complete(provider=sdk, request=DIFF.request)
        assert isinstance(response.raw_response, anthropic.types.Message)
