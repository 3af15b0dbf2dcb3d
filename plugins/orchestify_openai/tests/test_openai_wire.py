"""The plugin through the real openai SDK, over a socket, against the loopback OpenAI server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from orchestify_openai import OpenAIProvider, _request
from orchestify_openai._options import MaxTokensParam, OpenAIOptions

from orchestify_core import (
    FinishReason,
    ImagePart,
    LLMMessage,
    LLMProvider,
    StreamDone,
    StreamInterruptedError,
    TextDelta,
    TextPart,
    ToolCallComplete,
    ToolCallDelta,
    UsageEvent,
)
from orchestify_core.testing.servers import OpenAIServer, Reply, ToolCallSpec

MakeProvider = Callable[..., LLMProvider]
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


def bodies(server: OpenAIServer) -> list[dict[str, Any]]:
    return [r.body for r in server.requests if r.path == "/v1/chat/completions"]


async def test_registry_builds_an_openai_provider(provider: LLMProvider) -> None:
    """A registry builds an OpenAIProvider whose client is the SDK's, with retries off."""
    import openai

    assert isinstance(provider, OpenAIProvider)
    assert isinstance(provider.client, openai.AsyncOpenAI)
    assert provider.client.max_retries == 0


async def test_complete_text_usage_and_cost(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """A completion carries text, finish reason, model, exact usage and genai-prices cost."""
    openai_server.enqueue(
        Reply("Bonjour.", input_tokens=1000, output_tokens=50, cache_read_tokens=3000)
    )
    response = await provider.complete(user("Say hello in French"))
    assert response.content == "Bonjour."
    assert response.finish_reason == FinishReason.STOP
    assert response.raw_finish_reason == "stop"
    assert response.model == "gpt-4o-mini"
    assert (response.tokens_input, response.tokens_output) == (4000, 50)
    assert response.cache_read_tokens == 3000
    expected = (
        Decimal(1000) * Decimal("0.15")
        + Decimal(3000) * Decimal("0.075")
        + Decimal(50) * Decimal("0.6")
    ) / 1_000_000
    assert response.cost_usd == expected
    assert provider.get_usage().total_cache_read == 3000


async def test_streamed_cached_tokens_and_cost(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """A stream's usage chunk gives cached and reasoning tokens, and the cost follows."""
    openai_server.enqueue(
        Reply("cached answer", input_tokens=200, output_tokens=30, cache_read_tokens=800,
              reasoning_tokens=10, chunk_count=3)
    )  # fmt: skip
    events = [e async for e in provider.stream_events(user("again"))]
    [usage_event] = [e for e in events if isinstance(e, UsageEvent)]
    assert usage_event.usage.input_tokens == 1000
    assert usage_event.usage.cache_read_tokens == 800
    assert usage_event.usage.reasoning_tokens == 10
    done = events[-1]
    assert isinstance(done, StreamDone)
    price = provider.price()
    assert price is not None
    assert done.response.cost_usd == price.cost(usage_event.usage)
    assert done.response.usage_estimated is False


async def test_images_reach_the_server(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """Inline and URL images are sent as image_url parts in the recorded body."""
    message = LLMMessage(
        role="user",
        content=[
            TextPart("What are these?"),
            ImagePart(media_type="image/png", data=PNG),
            ImagePart.from_url("https://example.com/cat.jpg"),
        ],
    )
    await provider.complete([message])
    [body] = bodies(openai_server)
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "What are these?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]


async def test_tool_round_trip(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """The assistant's tool_calls and the tool message are in the second recorded request."""
    openai_server.enqueue(
        Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"}, id="call_abc")]),
        Reply("Sunny in Paris."),
    )
    messages = user("Weather in Paris?")
    first = await provider.complete(messages, tools=[WEATHER])
    assert first.finish_reason == FinishReason.TOOL_USE
    assert first.raw_finish_reason == "tool_calls"
    [call] = first.tool_calls
    assert (call.id, call.name, dict(call.arguments)) == (
        "call_abc",
        "get_weather",
        {"city": "Paris"},
    )
    messages += [first.to_message(), LLMMessage.tool_result(call.id, "sunny, 24 C")]
    final = await provider.complete(messages, tools=[WEATHER])
    assert final.content == "Sunny in Paris."
    second = bodies(openai_server)[1]
    assert second["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_abc",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    assert second["messages"][2] == {
        "role": "tool",
        "tool_call_id": "call_abc",
        "content": "sunny, 24 C",
    }
    assert second["tools"][0]["function"]["name"] == "get_weather"


async def test_streamed_tool_call_pieces_are_assembled(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """Streamed argument pieces arrive as ToolCallDeltas by index and assemble into calls."""
    first_args = {"city": "Paris", "units": "metric", "days": 3}
    openai_server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", first_args, id="call_1"),
                ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_2"),
            ],
            json_chunk_count=5,
        )
    )
    events = [e async for e in provider.stream_events(user("Weather?"), tools=[WEATHER])]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert len([d for d in deltas if d.index == 0 and d.arguments_delta]) == 5
    assert [(d.index, d.id, d.name) for d in deltas if d.id] == [
        (0, "call_1", "get_weather"),
        (1, "call_2", "get_weather"),
    ]
    completes = [e for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.index, dict(c.tool_call.arguments)) for c in completes] == [
        (0, first_args),
        (1, {"city": "Oslo"}),
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.finish_reason == FinishReason.TOOL_USE


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
async def test_tool_choice_forms(
    provider: LLMProvider, openai_server: OpenAIServer, choice: str, sent: object
) -> None:
    """Each tool_choice form reaches the server in OpenAI's shape."""
    await provider.complete(user("hi"), tools=[WEATHER], tool_choice=choice)
    assert bodies(openai_server)[0]["tool_choice"] == sent


async def test_every_stream_request_asks_for_usage(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """stream_options.include_usage is true in every recorded stream request."""
    for _ in range(3):
        async for _chunk in provider.stream(user("hi")):
            pass
    async for _event in provider.stream_events(user("hi"), extra={"stream_options": {}}):
        pass
    streams = [b for b in bodies(openai_server) if b.get("stream")]
    assert len(streams) == 4
    assert all(b["stream_options"]["include_usage"] is True for b in streams)


async def test_stream_cut_short_raises_and_is_accounted(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """A dropped connection mid-stream raises a core error and the attempt is accounted."""
    openai_server.enqueue(Reply("x" * 400, chunk_count=20, drop_after=6))
    stream = provider.stream(user("long answer please"))
    received: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in stream:
            received.append(chunk)
    assert received
    assert info.value.partial_text == "".join(received)
    assert type(info.value.__cause__).__name__ == "APIConnectionError"
    usage = provider.get_usage()
    assert usage.outcomes == {"truncated": 1}
    assert usage.estimated_attempts == 1
    assert usage.total_input > 0
    assert usage.total_output > 0


async def test_stream_dropped_before_content_is_retried(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A connection dropped before any content is an APIConnectionError the core retries."""
    provider = make_provider(retry={"max_retries": 1, "initial_delay": 0})
    openai_server.enqueue(Reply("lost", drop_after=0), Reply("second try"))
    chunks = [c async for c in provider.stream(user("hi"))]
    assert "".join(chunks) == "second try"
    assert provider.get_usage().outcomes == {"error": 1, "completed": 1}


async def test_reasoning_model_params_on_the_wire(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """o4-mini with thinking: max_completion_tokens, reasoning_effort, developer role."""
    provider = make_provider(default_model="o4-mini", options={"reasoning_effort": "high"})
    openai_server.enqueue(Reply("42", reasoning_tokens=300, output_tokens=310))
    messages = [LLMMessage(role="system", content="Be exact."), *user("6 x 7?")]
    response = await provider.complete(messages, thinking=True, max_tokens=2000)
    assert response.reasoning_tokens == 300
    [body] = bodies(openai_server)
    assert body["max_completion_tokens"] == 2000
    assert "max_tokens" not in body
    assert "temperature" not in body
    assert body["reasoning_effort"] == "high"
    assert body["messages"][0] == {"role": "developer", "content": "Be exact."}


async def test_options_are_parsed_once(
    make_provider: MakeProvider, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core structures the options once, when the provider is built; calls and streams
    are handed that same instance."""
    provider = make_provider(options={"max_tokens_param": "max_completion_tokens"})
    built = provider._context.options
    assert isinstance(built, OpenAIOptions)
    assert built.max_tokens_param is MaxTokensParam.MAX_COMPLETION_TOKENS
    seen: list[object] = []
    original = _request.build_params

    def recording(request: Any, options: OpenAIOptions, **kwargs: Any) -> dict[str, Any]:
        seen.append(options)
        return original(request, options, **kwargs)

    monkeypatch.setattr("orchestify_openai.plugin.build_params", recording)
    monkeypatch.setattr("orchestify_openai._stream.build_params", recording)
    monkeypatch.setattr("orchestify_openai._wire_stream.build_params", recording)
    await provider.complete(user("hi"))
    async for _ in provider.stream(user("hi")):
        pass
    assert len(seen) == 2
    assert all(options is built for options in seen)
    assert all("max_completion_tokens" in body for body in bodies(openai_server))


async def test_extra_reaches_the_server(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """request.extra passes through: SDK parameters and unknown ones alike."""
    await provider.complete(user("hi"), extra={"seed": 3, "user": "u-1", "top_k": 5})
    [body] = bodies(openai_server)
    assert (body["seed"], body["user"], body["top_k"]) == (3, "u-1", 5)


async def test_organization_project_and_headers_reach_the_server(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """organization, project and extra headers are sent with every request."""
    provider = make_provider(
        organization="org-acme", project="proj_rocket", headers={"X-Team": "search"}
    )
    await provider.complete(user("hi"))
    async for _ in provider.stream(user("hi")):
        pass
    for recorded in openai_server.requests:
        assert recorded.headers["openai-organization"] == "org-acme"
        assert recorded.headers["openai-project"] == "proj_rocket"
        assert recorded.headers["x-team"] == "search"


async def test_stream_closed_on_break(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """Breaking out of a stream closes its connection and accounts the attempt as cancelled."""
    openai_server.enqueue(Reply("word " * 50, chunk_count=50, event_delay=0.01))
    async with provider.stream(user("long")) as stream:
        async for _ in stream:
            break
    await openai_server.wait_for_connections(0, within=5)
    assert provider.get_usage().outcomes == {"cancelled": 1}


async def test_stream_closed_on_task_cancellation(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """Cancelling the task reading a stream closes its connection."""
    openai_server.enqueue(Reply("word " * 50, chunk_count=50, event_delay=0.05))
    started = asyncio.Event()

    async def read() -> None:
        async for _ in provider.stream(user("long")):
            started.set()

    task = asyncio.create_task(read())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await openai_server.wait_for_connections(0, within=5)


async def test_connections_are_reused_and_closed(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """One client per provider: calls reuse its connection, aclose() releases it."""
    for _ in range(3):
        await provider.complete(user("hi"))
    async for _ in provider.stream(user("hi")):
        pass
    assert openai_server.connections_accepted == 1
    await provider.aclose()
    await openai_server.wait_for_connections(0, within=5)


async def test_openai_compatible_server_with_any_model(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A custom base_url serves any model id, without a key, unpriced, with classic params."""
    provider = make_provider(default_model="llama-3.1-8b-instruct", api_key=None)
    response = await provider.complete(user("hello"), max_tokens=64)
    assert response.model == "llama-3.1-8b-instruct"
    assert response.content == "echo: hello"
    assert response.cost_usd is None
    assert provider.get_usage().unpriced_attempts == 1
    assert not provider.capabilities().known
    [recorded] = openai_server.requests
    assert recorded.headers["authorization"] == "Bearer no-key-required"
    assert recorded.body["max_tokens"] == 64


async def test_content_filter_and_length_finish_reasons(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """content_filter and length map to CONTENT_FILTER and LENGTH, the raw value kept."""
    openai_server.enqueue(
        Reply("cut", stop_reason="length"), Reply("", stop_reason="content_filter")
    )
    cut = await provider.complete(user("hi"))
    assert (cut.finish_reason, cut.raw_finish_reason) == (FinishReason.LENGTH, "length")
    filtered = [e async for e in provider.stream_events(user("hi"))][-1]
    assert isinstance(filtered, StreamDone)
    assert filtered.response.finish_reason == FinishReason.CONTENT_FILTER
    assert filtered.response.raw_finish_reason == "content_filter"


async def test_stream_text_chunks(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """Streamed content arrives as TextDeltas that join into the response text."""
    openai_server.enqueue(Reply("one two three four", chunk_count=4))
    events = [e async for e in provider.stream_events(user("count"))]
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(texts) == 4
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert "".join(texts) == done.response.content == "one two three four"


async def test_health_check_lists_models(provider: LLMProvider) -> None:
    """The health check lists the models and reports ok."""
    status = await provider.health_check()
    assert status.ok
    assert "2 models" in status.detail


async def test_wrong_shaped_answer_is_retried(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A 200 of the wrong shape ({"foo": 1}: no choices) is a retryable malformed answer:
    the core's retry gets the good one."""
    provider = make_provider(retry={"max_retries": 1, "initial_delay": 0})
    openai_server.enqueue(Reply(body_fault="object"), Reply("whole"))
    response = await provider.complete(user("hi"))
    assert response.content == "whole"
    assert response.attempts == 2
    assert provider.get_usage().outcomes == {"error": 1, "completed": 1}


async def test_streamed_tool_calls_sharing_an_index_stay_apart(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """Two streamed tool calls sent with the same index 0 but their own ids are two calls,
    each with its own arguments (not one call with both argument texts run together)."""
    openai_server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Paris"}, id="call_1"),
                ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_2"),
            ],
            same_tool_index=True,
            json_chunk_count=3,
        )
    )
    events = [e async for e in provider.stream_events(user("Weather?"), tools=[WEATHER])]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert {d.index for d in deltas} == {0}
    done = events[-1]
    assert isinstance(done, StreamDone)
    calls = done.response.tool_calls
    assert [(c.id, c.name, dict(c.arguments)) for c in calls] == [
        ("call_1", "get_weather", {"city": "Paris"}),
        ("call_2", "get_weather", {"city": "Oslo"}),
    ]
