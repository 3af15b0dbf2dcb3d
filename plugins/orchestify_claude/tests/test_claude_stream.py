"""Streamed events (text, thinking, tool calls) and finish reasons, through the real SDK."""

from __future__ import annotations

import json

import pytest
from anthropic.types import (
    MessageDeltaUsage,
    RawMessageDeltaEvent,
    RawMessageStopEvent,
)
from anthropic.types.raw_message_delta_event import Delta
from orchestify_claude import plugin
from orchestify_claude._stream import StreamTranslator

from orchestify_core import (
    CompletionRequest,
    LLMMessage,
    LLMProvider,
    RedactedThinking,
    StreamDone,
    StreamEnd,
    TextDelta,
    ThinkingDelta,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
    UsageEvent,
)
from orchestify_core.testing.servers import AnthropicServer, Reply, ThinkingSpec, ToolCallSpec

USER = [LLMMessage(role="user", content="hi")]
REQUEST = CompletionRequest(messages=tuple(USER), model="claude-haiku-4-5", max_tokens=100)
TOOLS = [
    {"name": "get_weather", "input_schema": {"type": "object"}},
    {"name": "get_time", "input_schema": {"type": "object"}},
]


async def test_text_stream(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """Text arrives as TextDelta pieces and ends in a StreamDone with the whole answer."""
    anthropic_server.enqueue(Reply("Hello there, streaming world.", chunk_count=5))
    events = [e async for e in provider.stream_events(USER)]
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(texts) == 5
    assert "".join(texts) == "Hello there, streaming world."
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.content == "Hello there, streaming world."
    assert done.response.finish_reason == "stop"
    assert done.response.model == "claude-haiku-4-5"


async def test_thinking_stream(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """Thinking arrives as ThinkingDelta pieces, then its signature; redacted thinking whole."""
    anthropic_server.enqueue(
        Reply(
            "Answer.",
            thinking=ThinkingSpec("first, second, third", "sig-xyz"),
            redacted_thinking="Zm9v",
            chunk_count=3,
        )
    )
    events = [e async for e in provider.stream_events(USER, thinking=True)]
    thinking = [e for e in events if isinstance(e, ThinkingDelta)]
    assert "".join(e.thinking for e in thinking) == "first, second, third"
    assert thinking[-1] == ThinkingDelta(signature="sig-xyz", index=0)
    assert all(e.index == 0 for e in thinking)
    assert [e for e in events if isinstance(e, RedactedThinking)] == [RedactedThinking("Zm9v")]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.thinking == "first, second, third"


async def test_tool_call_deltas(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """input_json_delta pieces become ToolCallDeltas; id and name come with the first piece."""
    anthropic_server.enqueue(
        Reply(
            "Checking both.",
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Lyon", "days": 2}, id="toolu_a"),
                ToolCallSpec("get_time", {"zone": "CET"}, id="toolu_b"),
            ],
            json_chunk_count=3,
        )
    )
    events = [e async for e in provider.stream_events(USER, tools=TOOLS)]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    for index, (tool_id, name, arguments) in enumerate(
        [("toolu_a", "get_weather", {"city": "Lyon", "days": 2}),
         ("toolu_b", "get_time", {"zone": "CET"})]
    ):  # fmt: skip
        mine = [d for d in deltas if d.index == index]
        assert (mine[0].id, mine[0].name) == (tool_id, name)
        assert all(d.id is None and d.name is None for d in mine[1:])
        assert len(mine) == 4
        assert json.loads("".join(d.arguments_delta for d in mine)) == arguments
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.index, c.tool_call.name) for c in completes] == [(0, "get_weather"), (1, "get_time")]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.finish_reason == "tool_use"
    assert done.response.content == "Checking both."


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_use"),
        ("refusal", "refusal"),
        ("pause_turn", "pause"),
        ("something_new", "other"),
    ],
)
async def test_finish_reasons(
    provider: LLMProvider, anthropic_server: AnthropicServer, stop_reason: str, finish: str
) -> None:
    """Each stop_reason maps to its FinishReason, in a completion and a stream; raw is kept."""
    anthropic_server.enqueue(
        Reply("text", stop_reason=stop_reason), Reply("text", stop_reason=stop_reason)
    )
    response = await provider.complete(USER)
    assert (response.finish_reason, response.raw_finish_reason) == (finish, stop_reason)
    stream = provider.stream(USER)
    async for _ in stream:
        pass
    assert stream.response is not None
    assert (stream.response.finish_reason, stream.response.raw_finish_reason) == (
        finish,
        stop_reason,
    )


def test_stream_end_only_at_message_stop() -> None:
    """message_delta gives usage; only message_stop ends the stream."""
    translator = StreamTranslator("claude-haiku-4-5")
    delta = RawMessageDeltaEvent(
        type="message_delta",
        delta=Delta(stop_reason="end_turn"),
        usage=MessageDeltaUsage(output_tokens=5, input_tokens=3),
    )
    assert translator.feed(delta) == UsageEvent(Usage(input_tokens=3, output_tokens=5))
    assert translator.feed(RawMessageStopEvent(type="message_stop")) == StreamEnd(
        finish_reason="stop", raw_finish_reason="end_turn", model="claude-haiku-4-5"
    )


async def test_stream_end_after_the_body_is_read(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """StreamEnd comes once the SDK has read the whole body: a consumer that stops at it
    leaves the connection to the pool, so the next streams reuse it."""
    for _ in range(3):
        anthropic_server.enqueue(Reply("pooled", chunk_count=2))
        events = plugin.orchestify_stream(provider=provider._context, request=REQUEST)
        assert events is not None
        async for event in events:
            if isinstance(event, StreamEnd):
                break
        await events.aclose()  # type: ignore[attr-defined]
    assert anthropic_server.connections_accepted == 1
