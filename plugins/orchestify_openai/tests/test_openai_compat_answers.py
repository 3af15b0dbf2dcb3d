"""Answers the loopback server does not produce: refusals, reasoning text from compatible
servers, missing usage, streams that end without a finish reason.

The real SDK parses hand-written wire bodies served by an in-process httpx2 transport; the
plugin's hooks are called as the core calls them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pytest
from orchestify_openai import plugin
from orchestify_openai._options import OpenAIOptions

from orchestify_core import (
    APIConnectionError,
    APIError,
    CompletionRequest,
    FinishReason,
    LLMMessage,
    LLMResponse,
    MalformedResponseError,
    ProviderContext,
    StreamEnd,
    TextDelta,
    ThinkingDelta,
    ThinkingPart,
    UsageEvent,
)
from orchestify_core.config import ProviderConfig
from orchestify_core.models import StreamEvent

REQUEST = CompletionRequest(
    messages=(LLMMessage(role="user", content="Why is the sky blue?"),),
    model="deepseek-r1",
    max_tokens=256,
)


def completion(message: dict[str, Any], *, usage: bool = True, finish: str = "stop") -> bytes:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "deepseek-r1",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return json.dumps(body).encode()


def sse(*deltas: dict[str, Any], finish: str | None = "stop", done: bool = True) -> bytes:
    def chunk(delta: dict[str, Any], reason: str | None) -> str:
        payload = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "deepseek-r1",
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    events = [chunk(delta, None) for delta in deltas]
    if finish is not None:
        events.append(chunk({}, finish))
    if done:
        events.append("data: [DONE]\n\n")
    return "".join(events).encode()


def context(body: bytes, content_type: str) -> ProviderContext:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"content-type": content_type})

    client = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://compat.test/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    config = ProviderConfig(
        type="openai", default_model="deepseek-r1", base_url="http://compat.test/v1"
    )
    return ProviderContext("compat", "openai", config, client, options=OpenAIOptions())


async def complete(body: bytes) -> LLMResponse:
    awaitable = plugin.orchestify_complete(
        provider=context(body, "application/json"), request=REQUEST
    )
    assert awaitable is not None
    return await awaitable


async def stream(body: bytes) -> list[StreamEvent]:
    events = plugin.orchestify_stream(provider=context(body, "text/event-stream"), request=REQUEST)
    assert isinstance(events, AsyncIterator)
    return [event async for event in events]


async def test_reasoning_content_becomes_a_thinking_part() -> None:
    """A compatible server's reasoning_content comes back as a ThinkingPart before the text."""
    response = await complete(
        completion({"role": "assistant", "content": "Rayleigh.", "reasoning_content": "Light..."})
    )
    assert response.parts[0] == ThinkingPart("Light...")
    assert response.content == "Rayleigh."


async def test_streamed_reasoning_becomes_thinking_deltas() -> None:
    """Streamed reasoning_content / reasoning pieces become ThinkingDeltas, text TextDeltas."""
    events = await stream(
        sse({"reasoning_content": "Light "}, {"reasoning": "scatters."}, {"content": "Rayleigh."})
    )
    assert [e for e in events if isinstance(e, ThinkingDelta)] == [
        ThinkingDelta(thinking="Light "),
        ThinkingDelta(thinking="scatters."),
    ]
    assert [e for e in events if isinstance(e, TextDelta)] == [TextDelta("Rayleigh.")]


async def test_refusal_is_text_with_a_refusal_finish() -> None:
    """A refusal message becomes the answer text, finishing with REFUSAL (raw 'stop')."""
    response = await complete(
        completion({"role": "assistant", "content": None, "refusal": "I can't help with that."})
    )
    assert response.content == "I can't help with that."
    assert response.finish_reason == FinishReason.REFUSAL
    assert response.raw_finish_reason == "stop"


async def test_streamed_refusal() -> None:
    """A streamed refusal arrives as text and ends with a REFUSAL finish."""
    events = await stream(sse({"refusal": "I can't "}, {"refusal": "help."}))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I can't help."
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.finish_reason == FinishReason.REFUSAL


async def test_missing_usage_is_estimated() -> None:
    """A server that reports no usage gets an estimate marked as such."""
    response = await complete(completion({"role": "assistant", "content": "x" * 40}, usage=False))
    assert response.usage_estimated
    assert response.tokens_output == 10
    assert response.tokens_input > 0


async def test_stream_without_usage_chunk_still_ends() -> None:
    """A server ignoring include_usage: the stream ends normally, with no UsageEvent."""
    events = await stream(sse({"content": "Hi."}))
    assert not [e for e in events if isinstance(e, UsageEvent)]
    assert isinstance(events[-1], StreamEnd)
    assert events[-1].model == "deepseek-r1"


async def test_stream_ending_without_finish_reason_is_a_connection_error() -> None:
    """A stream that stops before a finish reason raises APIConnectionError, never ends OK."""
    with pytest.raises(APIConnectionError, match="finish_reason"):
        await stream(sse({"content": "Half an ans"}, finish=None, done=False))


async def test_answer_without_choices_is_an_api_error() -> None:
    """A completion with no choices is an APIError rather than an empty success."""
    body = json.loads(completion({"role": "assistant", "content": "x"}))
    body["choices"] = []
    with pytest.raises(APIError, match="choice") as info:
        await complete(json.dumps(body).encode())
    assert isinstance(info.value, MalformedResponseError)


@pytest.mark.parametrize("choices", [None, "nope", {"0": {}}, 3])
async def test_choices_that_are_not_a_list_are_malformed(choices: object) -> None:
    """A 200 whose choices are missing or not a list: MalformedResponseError (retried by
    the core), never an AttributeError or a non-retryable APIError."""
    body = json.loads(completion({"role": "assistant", "content": "x"}))
    if choices is None:
        del body["choices"]
    else:
        body["choices"] = choices
    with pytest.raises(MalformedResponseError, match="list of choices"):
        await complete(json.dumps(body).encode())


async def test_malformed_stream_event_is_an_api_error() -> None:
    """An SSE event that is not JSON raises APIError, not a bare ValueError."""
    with pytest.raises(APIError, match="not JSON") as info:
        await stream(b"data: {not json\n\n")
    assert isinstance(info.value, MalformedResponseError)
