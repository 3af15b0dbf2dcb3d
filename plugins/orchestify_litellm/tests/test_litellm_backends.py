"""Real litellm over real sockets, against both loopback servers: an ``anthropic/`` model
and an ``openai/`` model, each reached through base_url."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.metadata import version

import pytest
from litellm_support import PNG, WEATHER, Backend, Build, user
from orchestify_litellm import LiteLLMProvider

from orchestify_core import (
    ImagePart,
    LLMMessage,
    LLMProvider,
    StreamDone,
    TextPart,
    ToolCallComplete,
    ToolCallDelta,
    UsageEvent,
)
from orchestify_core.testing.servers import Reply, ToolCallSpec


def _body(backend: Backend, index: int = -1) -> dict[str, object]:
    body = backend.server.requests[index].body
    assert isinstance(body, dict)
    return body


async def test_registry_builds_a_litellm_provider(provider: LLMProvider) -> None:
    """A registry builds a LiteLLMProvider for type litellm."""
    assert isinstance(provider, LiteLLMProvider)
    assert provider.client.settings.api_base is not None
    assert "sk-canary" not in repr(provider.client)


async def test_complete(provider: LLMProvider, backend: Backend) -> None:
    """A completion carries key, base_url and headers; text, finish and served model return."""
    backend.server.enqueue(Reply("Hello there."))
    response = await provider.complete(user("hi"), max_tokens=50, temperature=0.3)
    assert response.content == "Hello there."
    assert response.finish_reason == "stop"
    assert response.model == backend.model
    [request] = backend.server.requests
    assert request.headers["x-team"] == "search"
    body = _body(backend)
    assert body["max_tokens"] == 50
    assert body["temperature"] == 0.3


async def test_stream(provider: LLMProvider, backend: Backend) -> None:
    """A stream yields the text in pieces and ends with the assembled response."""
    backend.server.enqueue(Reply("one two three four", chunk_count=4))
    stream = provider.stream(user("count"))
    chunks = [chunk async for chunk in stream]
    assert len(chunks) == 4
    assert "".join(chunks) == "one two three four"
    assert stream.response is not None
    assert stream.response.finish_reason == "stop"
    assert _body(backend)["stream"] is True


async def test_streamed_tool_calls_are_assembled_by_index(
    provider: LLMProvider, backend: Backend
) -> None:
    """Two streamed tool calls arrive as pieces by index and are assembled and decoded."""
    backend.server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Paris"}, id="call_a"),
                ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_b"),
            ],
            json_chunk_count=3,
        )
    )
    events = [e async for e in provider.stream_events(user("weather"), tools=[WEATHER])]
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert {d.index for d in deltas} == {0, 1}
    assert [d.id for d in deltas if d.id] == ["call_a", "call_b"]
    completes = [e.tool_call for e in events if isinstance(e, ToolCallComplete)]
    assert [(c.id, dict(c.arguments)) for c in completes] == [
        ("call_a", {"city": "Paris"}),
        ("call_b", {"city": "Oslo"}),
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.finish_reason == "tool_use"
    assert done.response.raw_finish_reason == "tool_calls"


async def test_tool_round_trip_sends_tools_and_results(
    provider: LLMProvider, backend: Backend
) -> None:
    """Tools, a forced tool choice and the tool result reach the server in its own format."""
    backend.server.enqueue(
        Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"}, id="call_1")]),
        Reply("Sunny."),
    )
    messages = user("weather in Paris?")
    first = await provider.complete(messages, tools=[WEATHER], tool_choice="get_weather")
    [call] = first.tool_calls
    sent = json.dumps(_body(backend))
    assert "get_weather" in sent
    messages += [first.to_message(), LLMMessage.tool_result(call.id, "sunny, 24 C")]
    final = await provider.complete(messages, tools=[WEATHER])
    assert final.content == "Sunny."
    last = json.dumps(_body(backend))
    assert "sunny, 24 C" in last
    assert "call_1" in last


async def test_usage_cache_tokens_and_cost(provider: LLMProvider, backend: Backend) -> None:
    """Usage counts cache tokens as input; cost follows LiteLLM's map and its own figure."""
    backend.server.enqueue(
        Reply(
            "cached",
            input_tokens=100,
            output_tokens=40,
            cache_read_tokens=60,
            cache_write_tokens=20,
        )
    )
    response = await provider.complete(user("usage"))
    assert (response.tokens_input, response.tokens_output) == (180, 40)
    assert (response.cache_read_tokens, response.cache_write_tokens) == (60, 20)
    price = provider.price(response.model)
    assert price is not None
    assert price.source == f"litellm {version('litellm')} cost map"
    # Claude Sonnet 4.5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per Mtok;
    # GPT-4o: $2.50 in, $10 out, $1.25 cache read (cache writes at the input price).
    expected = {"anthropic": Decimal("0.000993"), "openai": Decimal("0.000775")}
    assert response.cost_usd == expected[backend.name]
    litellm_cost = response.raw_response._hidden_params["response_cost"]
    assert float(response.cost_usd) == pytest.approx(litellm_cost)
    assert provider.get_usage().cost == response.cost_usd


async def test_stream_usage_with_cache_tokens(provider: LLMProvider, backend: Backend) -> None:
    """A stream's last usage event carries the cache tokens and reasoning tokens."""
    backend.server.enqueue(
        Reply(
            "streamed",
            input_tokens=10,
            output_tokens=8,
            cache_read_tokens=5,
            cache_write_tokens=3,
            reasoning_tokens=2,
        )
    )
    events = [e async for e in provider.stream_events(user("usage"))]
    usage = [e.usage for e in events if isinstance(e, UsageEvent)][-1]
    assert (usage.input_tokens, usage.output_tokens) == (18, 8)
    assert (usage.cache_read_tokens, usage.cache_write_tokens) == (5, 3)
    assert usage.reasoning_tokens == 2


async def test_unpriced_model(backend: Backend, build: Build) -> None:
    """A model LiteLLM's map does not price is accounted as unpriced, never as $0."""
    model = f"{backend.name}/unlisted-model-x1"
    provider = build(model, backend.server.base_url)
    assert provider.price() is None
    caps = provider.capabilities()
    assert not caps.known
    assert caps.tools
    assert caps.vision
    backend.server.enqueue(Reply("ok", input_tokens=5, output_tokens=2))
    response = await provider.complete(user("hi"))
    assert response.cost_usd is None
    usage = provider.get_usage()
    assert usage.unpriced_attempts == 1
    assert usage.cost == 0


async def test_images_reach_the_server(provider: LLMProvider, backend: Backend) -> None:
    """An inline image reaches the server (Anthropic: a base64 block; OpenAI: a data URL)."""
    backend.server.enqueue(Reply("a pixel"))
    image = ImagePart(media_type="image/png", data=PNG)
    response = await provider.complete([LLMMessage("user", [TextPart("what?"), image])])
    assert response.content == "a pixel"
    [message] = _body(backend)["messages"]  # type: ignore[misc]
    blocks = message["content"]
    if backend.name == "anthropic":
        assert blocks[1] == {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
        }
    else:
        assert blocks[1] == {
            "type": "image_url",
            "image_url": {"url": f"data:image/png;base64,{PNG}"},
        }


async def test_stop_sequences(provider: LLMProvider, backend: Backend) -> None:
    """Stop sequences reach the server under the backend's own name."""
    backend.server.enqueue(Reply("a"))
    await provider.complete(user("hi"), stop=["END"])
    key = "stop_sequences" if backend.name == "anthropic" else "stop"
    assert _body(backend)[key] == ["END"]
