"""Thinking and reasoning: Anthropic thinking blocks round trip through LiteLLM; other
reasoning models get reasoning_effort; models that cannot reason are refused."""

from __future__ import annotations

import pytest
from litellm_support import ANTHROPIC_MODEL, WEATHER, Build, user

from orchestify_core import (
    LLMMessage,
    RedactedThinking,
    RedactedThinkingPart,
    StreamDone,
    ThinkingDelta,
    ThinkingPart,
    UnsupportedCapabilityError,
)
from orchestify_core.testing.servers import (
    AnthropicServer,
    OpenAIServer,
    Reply,
    ThinkingSpec,
    ToolCallSpec,
)


async def test_thinking_request_and_blocks(anthropic_server: AnthropicServer, build: Build) -> None:
    """Claude thinking: a budget without temperature; blocks come back and go back in order."""
    provider = build(ANTHROPIC_MODEL, anthropic_server.base_url, thinking_budget=2048)
    anthropic_server.enqueue(
        Reply(
            "Checking.",
            thinking=ThinkingSpec("Let me look.", "sig-1"),
            redacted_thinking="opaque==",
            tool_calls=[ToolCallSpec("get_weather", {"city": "Oslo"}, id="toolu_1")],
        ),
        Reply("Cold."),
    )
    first = await provider.complete(user("Oslo?"), tools=[WEATHER], thinking=True)
    body = anthropic_server.requests[-1].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "temperature" not in body
    assert [type(p).__name__ for p in first.parts] == [
        "ThinkingPart",
        "RedactedThinkingPart",
        "TextPart",
        "ToolCall",
    ]
    assert first.parts[0] == ThinkingPart("Let me look.", "sig-1")
    assert first.parts[1] == RedactedThinkingPart("opaque==")
    messages = [*user("Oslo?"), first.to_message(), LLMMessage.tool_result("toolu_1", "-5 C")]
    await provider.complete(messages, tools=[WEATHER], thinking=True)
    [assistant] = [
        m for m in anthropic_server.requests[-1].body["messages"] if m["role"] == "assistant"
    ]
    assert assistant["content"][:2] == [
        {"type": "thinking", "thinking": "Let me look.", "signature": "sig-1"},
        {"type": "redacted_thinking", "data": "opaque=="},
    ]


async def test_streamed_thinking(anthropic_server: AnthropicServer, build: Build) -> None:
    """Streamed thinking, its signature and redacted thinking arrive as events and parts."""
    provider = build(ANTHROPIC_MODEL, anthropic_server.base_url)
    anthropic_server.enqueue(
        Reply(
            "Done.",
            thinking=ThinkingSpec("step one, step two", "sig-s"),
            redacted_thinking="zzz",
            chunk_count=3,
        )
    )
    events = [
        e async for e in provider.stream_events(user("think"), thinking=True, max_tokens=4096)
    ]
    thinking = [e for e in events if isinstance(e, ThinkingDelta)]
    assert "".join(e.thinking for e in thinking) == "step one, step two"
    assert [e.signature for e in thinking if e.signature] == ["sig-s"]
    assert [e.data for e in events if isinstance(e, RedactedThinking)] == ["zzz"]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.parts[:2] == [
        ThinkingPart("step one, step two", "sig-s"),
        RedactedThinkingPart("zzz"),
    ]
    assert done.response.content == "Done."


async def test_reasoning_effort_for_other_models(openai_server: OpenAIServer, build: Build) -> None:
    """A non-Claude reasoning model gets reasoning_effort and no thinking back."""
    provider = build("openai/o3-mini", openai_server.base_url)
    openai_server.enqueue(Reply("42", reasoning_tokens=7, output_tokens=9), Reply("ok"))
    first = await provider.complete(user("answer?"), thinking=True, thinking_budget=1024)
    body = openai_server.requests[-1].body
    assert body["reasoning_effort"] == "low"
    assert "thinking" not in body
    assert first.reasoning_tokens == 7
    history = [*user("answer?"), LLMMessage("assistant", [ThinkingPart("hidden"), *first.parts])]
    await provider.complete([*history, *user("again")], thinking=True)
    assert "hidden" not in str(openai_server.requests[-1].body)


async def test_thinking_refused_for_models_that_cannot_reason(
    openai_server: OpenAIServer, build: Build
) -> None:
    """thinking=True for a model LiteLLM says cannot reason (gpt-4o) is refused unsent."""
    provider = build("openai/gpt-4o", openai_server.base_url)
    assert not provider.supports_thinking()
    with pytest.raises(UnsupportedCapabilityError):
        await provider.complete(user("hi"), thinking=True)
    assert openai_server.requests == []
