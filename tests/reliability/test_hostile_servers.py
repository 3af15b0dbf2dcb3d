"""The loopback servers' hostile answers, as bytes on the wire (no SDK in between).

These hold the scripts the hostile matrix relies on, so that a failing matrix cell is the
client's defect and not a server that did not misbehave as asked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from orchestify_core.testing.servers import (
    REPLY_HEADER,
    AnthropicServer,
    LoopbackServer,
    OpenAIServer,
    Reply,
    ToolCallSpec,
    reply_from_dict,
    reply_to_dict,
)

KEY = "sk-hostile-wire-0123"
PATHS = {"anthropic": "/v1/messages", "openai": "/v1/chat/completions"}


@pytest_asyncio.fixture(params=["anthropic", "openai"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[LoopbackServer]:
    cls = AnthropicServer if request.param == "anthropic" else OpenAIServer
    async with cls() as started:
        yield started


async def post(
    server: LoopbackServer, *, stream: bool, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    body: dict[str, Any] = {
        "model": "m",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
        "stream": stream,
    }
    if server.provider == "openai":
        body["stream_options"] = {"include_usage": True}
    sent = {"anthropic-version": "2023-06-01", "x-api-key": KEY, **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            server.root_url + PATHS[server.provider],
            json=body,
            headers=sent,
            allow_redirects=False,
        ) as response,
    ):
        headers = {name.lower(): value for name, value in response.headers.items()}
        return response.status, headers, await response.read()


def sse_data(raw: bytes) -> list[dict[str, Any]]:
    """The JSON of every ``data:`` line of an SSE body, ``[DONE]`` left out."""
    return [
        json.loads(line[5:])
        for line in raw.split(b"\n")
        if line.startswith(b"data:") and line[5:].strip() != b"[DONE]"
    ]


def message_usage(server: LoopbackServer, raw: bytes) -> Any:
    return json.loads(raw).get("usage", "absent")


@pytest.mark.parametrize("stream", [False, True])
async def test_body_faults(server: LoopbackServer, stream: bool) -> None:
    """json / malformed / empty / array / object, for a stream request or not, as JSON."""
    server.enqueue(
        Reply("hello", body_fault="json"),
        Reply("hello", body_fault="malformed"),
        Reply("hello", body_fault="empty"),
        Reply("hello", body_fault="array"),
        Reply("hello", body_fault="object"),
    )
    answers = [await post(server, stream=stream) for _ in range(5)]
    assert {status for status, _, _ in answers} == {200}
    assert all(h["content-type"].startswith("application/json") for _, h, _ in answers)
    whole, malformed, empty, array, wrong = (raw for _, _, raw in answers)
    assert "hello" in json.dumps(json.loads(whole))
    with pytest.raises(ValueError):
        json.loads(malformed)
    assert malformed
    assert whole.startswith(malformed[:20])
    assert empty == b""
    assert array == b"[]"
    assert wrong == b'{"foo":1}'


async def test_content_type_override(server: LoopbackServer) -> None:
    server.enqueue(Reply("x", body_fault="empty", content_type="text/event-stream"))
    status, headers, raw = await post(server, stream=True)
    assert (status, headers["content-type"], raw) == (200, "text/event-stream", b"")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("strings", ("12", "7")), ("negative", (-12, -7)), ("huge", (1e18, 1e18))],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_usage_faults(
    server: LoopbackServer, fault: str, expected: tuple[Any, Any], stream: bool
) -> None:
    """Every usage the server reports is spoiled the same way."""
    server.enqueue(Reply("hello", input_tokens=12, output_tokens=7, usage_fault=fault))
    _, _, raw = await post(server, stream=stream)
    names = ("input_tokens", "output_tokens")
    if server.provider == "openai":
        names = ("prompt_tokens", "completion_tokens")
    if not stream:
        usages = [json.loads(raw)["usage"]]
    elif server.provider == "anthropic":
        events = sse_data(raw)
        usages = [events[0]["message"]["usage"], events[-2]["usage"]]
        usages[0] = {**usages[0], "output_tokens": usages[1]["output_tokens"]}
    else:
        usages = [event["usage"] for event in sse_data(raw) if event.get("usage")]
    assert usages
    for usage in usages:
        got = tuple(usage[name] for name in names)
        assert got == expected
        assert all(type(value) is type(expected[0]) for value in got)


@pytest.mark.parametrize("stream", [False, True])
async def test_usage_missing(server: LoopbackServer, stream: bool) -> None:
    server.enqueue(Reply("hello", usage_fault="missing"))
    _, _, raw = await post(server, stream=stream)
    if not stream:
        assert "usage" not in json.loads(raw)
        return
    events = sse_data(raw)
    assert events
    assert all(not event.get("usage") for event in events)
    if server.provider == "anthropic":
        assert "usage" not in events[0]["message"]


async def test_stream_end_after(server: LoopbackServer) -> None:
    """N events, then a clean end of the body: no terminator, no error, no drop."""
    count = 2 if server.provider == "anthropic" else 1
    server.enqueue(Reply("hello there", stream_end_after=count))
    status, _, raw = await post(server, stream=True)
    assert status == 200
    assert raw.count(b"data:") == count
    assert b"[DONE]" not in raw
    assert b"message_stop" not in raw
    assert b"error" not in raw


@pytest.mark.parametrize("stream", [False, True])
async def test_invalid_utf8(server: LoopbackServer, stream: bool) -> None:
    server.enqueue(Reply("hello world", invalid_utf8=True))
    _, _, raw = await post(server, stream=stream)
    assert raw.count(b"\xff") == 1
    assert b"h\xffello world" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode()


async def test_same_tool_index(server: LoopbackServer) -> None:
    """Two streamed tool calls with their own ids under one index."""
    server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("f", {"a": 1}, id="call_a"),
                ToolCallSpec("f", {"b": 2}, id="call_b"),
            ],
            same_tool_index=True,
        )
    )
    _, _, raw = await post(server, stream=True)
    events = sse_data(raw)
    if server.provider == "anthropic":
        starts = [
            (e["index"], e["content_block"]["id"])
            for e in events
            if e["type"] == "content_block_start"
        ]
        assert starts == [(0, "call_a"), (0, "call_b")]
        indexes = {e["index"] for e in events if "index" in e}
        assert indexes == {0}
    else:
        calls = [
            (call["index"], call.get("id"))
            for e in events
            for choice in e["choices"]
            for call in choice["delta"].get("tool_calls", [])
        ]
        assert {index for index, _ in calls} == {0}
        assert [cid for _, cid in calls if cid] == ["call_a", "call_b"]


@pytest.mark.parametrize("stream", [False, True])
async def test_raw_arguments(server: LoopbackServer, stream: bool) -> None:
    """raw_arguments go out verbatim, even as JSON nested past Python's recursion limit."""
    deep = "[" * 5000 + "]" * 5000
    server.enqueue(Reply(tool_calls=[ToolCallSpec("f", raw_arguments=deep)]))
    _, _, raw = await post(server, stream=stream)
    if not stream and server.provider == "anthropic":
        assert b'"input":' + deep.encode() + b"}" in raw
        with pytest.raises(RecursionError):
            json.loads(raw)
        return
    events = sse_data(raw) if stream else [json.loads(raw)]
    text = json.dumps(events)
    if stream:
        pieces = []
        for e in events:
            if server.provider == "anthropic":
                if e.get("type") == "content_block_delta":
                    pieces.append(e["delta"]["partial_json"])
            else:
                for choice in e["choices"]:
                    for call in choice["delta"].get("tool_calls", []):
                        pieces.append(call["function"]["arguments"])
        assert "".join(pieces) == deep
    else:
        assert events[0]["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == deep
    assert text


@pytest.mark.parametrize("status", [302, 307, 308])
async def test_redirect(server: LoopbackServer, status: int) -> None:
    server.enqueue(Reply(status=status, redirect_to="http://127.0.0.2:4321/"))
    got, headers, raw = await post(server, stream=False)
    assert got == status
    assert headers["location"] == "http://127.0.0.2:4321" + PATHS[server.provider]
    assert raw == b""


async def test_redirect_default_status(server: LoopbackServer) -> None:
    server.enqueue(Reply(redirect_to="http://127.0.0.2:4321"))
    got, _, _ = await post(server, stream=True)
    assert got == 307


@pytest.mark.parametrize("status", [400, 401, 500])
async def test_echo_key(server: LoopbackServer, status: int) -> None:
    server.enqueue(Reply(status=status, echo_key=True))
    got, _, raw = await post(server, stream=False)
    assert got == status
    assert KEY in json.loads(raw)["error"]["message"]


async def test_echo_key_bearer_and_in_stream(server: LoopbackServer) -> None:
    """The bearer token is echoed too, and an in-stream error echoes the key."""
    server.enqueue(Reply("hello", stream_error_after=1, echo_key=True))
    _, _, raw = await post(
        server, stream=True, headers={"x-api-key": "", "authorization": f"Bearer {KEY}"}
    )
    assert KEY.encode() in raw
    assert KEY in json.dumps(sse_data(raw)[-1])


async def test_hostile_retry_after_headers(server: LoopbackServer) -> None:
    server.enqueue(Reply(status=429, headers={"retry-after": "nan", "retry-after-ms": "NaN"}))
    got, headers, _ = await post(server, stream=False)
    assert (got, headers["retry-after"], headers["retry-after-ms"]) == (429, "nan", "NaN")


async def test_hostile_reply_through_the_header(server: LoopbackServer) -> None:
    """A hostile reply travels as JSON in the reply header like any other."""
    reply = Reply("hello", body_fault="malformed")
    _, _, raw = await post(
        server, stream=False, headers={REPLY_HEADER: json.dumps(reply_to_dict(reply))}
    )
    with pytest.raises(ValueError):
        json.loads(raw)


def test_reply_json_round_trip_of_hostile_fields() -> None:
    reply = Reply(
        "t",
        tool_calls=[ToolCallSpec("f", raw_arguments="[[")],
        body_fault="array",
        content_type="text/plain",
        usage_fault="huge",
        stream_end_after=3,
        invalid_utf8=True,
        same_tool_index=True,
        redirect_to="http://127.0.0.2:1",
        status=308,
        echo_key=True,
    )
    assert reply_from_dict(json.loads(json.dumps(reply_to_dict(reply)))) == reply
    assert reply_to_dict(Reply(tool_calls=[ToolCallSpec("f")])) == {
        "tool_calls": [{"name": "f", "arguments": {}, "id": None}]
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"body_fault": "nonsense"},
        {"usage_fault": "zero"},
        {"status": 302},
        {"stream_end_after": -1},
    ],
)
def test_bad_hostile_fields_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        reply_from_dict(fields)
