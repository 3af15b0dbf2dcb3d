"""Checks of what the caller gets back: text, streams, tools, thinking, usage and cost."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from orchestify_core import (
    ImagePart,
    LLMMessage,
    LLMProvider,
    ProviderRegistry,
    StreamDone,
    TextPart,
    ThinkingPart,
    ToolCallComplete,
    Usage,
)
from orchestify_core.testing.scripted import ScriptedReply
from orchestify_core.testing.servers import LoopbackServer, Reply, ThinkingSpec, ToolCallSpec

from ._base import PEER_ID, PROVIDER_ID, SuiteBase, user

__all__ = ["PNG", "WEATHER_TOOL", "AnswerChecks"]

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
# A 1x1 transparent PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
CONCURRENT_CALLS = 50
SERVED_MODEL = "conformance-served-2099-01-01"


def _names(reported: str, served: str) -> bool:
    """Whether ``reported`` is ``served``, or ``served`` behind a routing prefix."""
    return reported == served or reported.endswith("/" + served)


class AnswerChecks(SuiteBase):
    """Completion, streaming, tools, thinking, vision, usage, cost, the serving model."""

    async def test_complete(
        self, registry: ProviderRegistry, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A completion returns the text and a stop finish reason; the scripted provider in
        the same registry still answers for itself, with its own usage."""
        self.script(provider, server, Reply("Paris is the capital of France."))
        peer = registry.get(PEER_ID)
        peer_usage = Usage(input_tokens=3, output_tokens=1)
        peer.client.enqueue(ScriptedReply(text="peer", usage=peer_usage))
        response = await provider.complete(user("Capital of France?"), max_tokens=100)
        assert response.content == "Paris is the capital of France."
        assert response.finish_reason == "stop"
        assert response.model
        assert response.provider_id == PROVIDER_ID
        assert response.provider_type == provider.provider_type
        assert provider.get_usage().call_count == 1
        answer = await peer.complete(user("who?"))
        assert (answer.content, answer.provider_type) == ("peer", "scripted")
        assert (peer.get_usage().call_count, peer.get_usage().total_input) == (1, 3)
        assert provider.get_usage().call_count == 1

    async def test_stream_matches_complete(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A stream's chunks join into the text a completion of the same reply gives."""
        text = "One, two, three, four, five, six, seven, eight."
        self.script(provider, server, Reply(text), Reply(text, chunk_count=8))
        completed = await provider.complete(user("count"))
        stream = provider.stream(user("count"))
        chunks = [chunk async for chunk in stream]
        assert len(chunks) > 1
        assert "".join(chunks) == completed.content == text
        assert stream.response is not None
        assert stream.response.content == text
        assert stream.response.finish_reason == "stop"

    async def test_stream_usage_recorded_once(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A stream's usage is accounted exactly once, with the reported token counts."""
        self.script(provider, server, Reply("counted", input_tokens=21, output_tokens=9))
        stream = provider.stream(user("usage"))
        async for _ in stream:
            pass
        usage = provider.get_usage()
        assert (usage.attempts, usage.call_count) == (1, 1)
        assert (usage.total_input, usage.total_output) == (21, 9)
        assert usage.estimated_attempts == 0

    async def test_served_model_reported(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A completion names the model the server says it used, not the one asked for
        (a ``route/model`` name, LiteLLM's, counts as naming it)."""
        if not self.claimed.served_model:
            pytest.skip("the provider does not claim to report the serving model")
        self.script(provider, server, Reply("a", model=SERVED_MODEL))
        response = await provider.complete(user("which model?"))
        assert _names(response.model, SERVED_MODEL), f"complete reported {response.model!r}"

    async def test_served_model_reported_in_stream(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A stream's response names the model the server says it used."""
        if not self.claimed.served_model:
            pytest.skip("the provider does not claim to report the serving model")
        self.script(provider, server, Reply("b", model=SERVED_MODEL, chunk_count=2))
        stream = provider.stream(user("which model?"))
        async for _ in stream:
            pass
        assert stream.response is not None
        reported = stream.response.model
        assert _names(reported, SERVED_MODEL), f"stream reported {reported!r}"

    async def test_concurrent_calls_exact_usage(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """50 concurrent calls: each answer carries its own usage, and the totals add up."""
        replies = [
            Reply(f"answer {n}", input_tokens=100 + n, output_tokens=1 + n)
            for n in range(CONCURRENT_CALLS)
        ]
        self.script(provider, server, *replies)
        responses = await asyncio.gather(
            *(provider.complete(user(f"q{n}")) for n in range(CONCURRENT_CALLS))
        )
        for response in responses:
            n = int(response.content.removeprefix("answer "))
            assert (response.tokens_input, response.tokens_output) == (100 + n, 1 + n)
        usage = provider.get_usage()
        assert usage.call_count == CONCURRENT_CALLS
        assert usage.total_input == sum(100 + n for n in range(CONCURRENT_CALLS))
        assert usage.total_output == sum(1 + n for n in range(CONCURRENT_CALLS))
        assert usage.estimated_attempts == 0

    async def test_tool_round_trip_complete(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Tool call, tool result, final answer: the result reaches the provider."""
        if not self.claimed.tools:
            pytest.skip("the provider does not claim tools")
        self.script(
            provider,
            server,
            Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"}, id="call_1")]),
            Reply("It is sunny in Paris."),
        )
        messages = user("Weather in Paris?")
        first = await provider.complete(messages, tools=[WEATHER_TOOL])
        assert first.finish_reason == "tool_use"
        [call] = first.tool_calls
        assert (call.name, dict(call.arguments)) == ("get_weather", {"city": "Paris"})
        messages += [first.to_message(), LLMMessage.tool_result(call.id, "sunny, 24 C")]
        final = await provider.complete(messages, tools=[WEATHER_TOOL])
        assert final.content == "It is sunny in Paris."
        second_request = self.sent_bodies(provider, server)[-1]
        assert "sunny, 24 C" in second_request
        # The id goes back twice: on the assistant's tool call and on the tool result.
        assert second_request.count(call.id) >= 2, f"tool call id {call.id!r} not sent back twice"

    async def test_tool_round_trip_stream(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A streamed tool call arrives in pieces and is assembled into one decoded call."""
        if not self.claimed.tools:
            pytest.skip("the provider does not claim tools")
        arguments = {"city": "Paris", "units": "metric", "days": 3}
        self.script(
            provider,
            server,
            Reply(tool_calls=[ToolCallSpec("get_weather", arguments)], json_chunk_count=4),
            Reply("Sunny for three days.", chunk_count=4),
        )
        events = [e async for e in provider.stream_events(user("Weather?"), tools=[WEATHER_TOOL])]
        completes = [e for e in events if isinstance(e, ToolCallComplete)]
        assert [dict(c.tool_call.arguments) for c in completes] == [arguments]
        done = events[-1]
        assert isinstance(done, StreamDone)
        assert done.response.finish_reason == "tool_use"
        call = done.response.tool_calls[0]
        messages = [
            *user("Weather?"),
            done.response.to_message(),
            LLMMessage.tool_result(call.id, "sunny"),
        ]
        chunks = [c async for c in provider.stream(messages, tools=[WEATHER_TOOL])]
        assert "".join(chunks) == "Sunny for three days."
        assert self.sent_bodies(provider, server)[-1].count(call.id) >= 2

    async def test_thinking_round_trip(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Thinking text and its signature come back, and are sent back on the next turn."""
        if not self.claimed.thinking:
            pytest.skip("the provider does not claim thinking")
        signature = f"sig-{uuid.uuid4()}"
        thought = ThinkingSpec("Let me think about the weather.", signature)
        self.script(
            provider,
            server,
            Reply(
                "I will check.",
                thinking=thought,
                tool_calls=[ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_t")],
            ),
            Reply("Cold.", thinking=ThinkingSpec("Now answer.", "sig-2"), chunk_count=3),
        )
        first = await provider.complete(
            user("Weather in Oslo?"), tools=[WEATHER_TOOL], thinking=True, max_tokens=4096
        )
        thinking = [p for p in first.parts if isinstance(p, ThinkingPart)]
        assert [(p.thinking, p.signature) for p in thinking] == [(thought.text, signature)]
        messages = [
            *user("Weather in Oslo?"),
            first.to_message(),
            LLMMessage.tool_result("call_t", "minus 5"),
        ]
        stream = provider.stream_events(
            messages, tools=[WEATHER_TOOL], thinking=True, max_tokens=4096
        )
        events = [e async for e in stream]
        assert signature in self.sent_bodies(provider, server)[-1]
        done = events[-1]
        assert isinstance(done, StreamDone)
        assert done.response.thinking == "Now answer."
        assert done.response.content == "Cold."

    async def test_vision(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """An image in a user message reaches the provider."""
        if not self.claimed.vision:
            pytest.skip("the provider does not claim vision")
        self.script(provider, server, Reply("A transparent pixel."))
        image = ImagePart(media_type="image/png", data=PNG)
        message = LLMMessage(role="user", content=[TextPart("What is this?"), image])
        response = await provider.complete([message])
        assert response.content == "A transparent pixel."
        assert PNG in self.sent_bodies(provider, server)[-1]

    async def test_usage_and_cost(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Token counts are exact (cache included) and the cost follows the model's price."""
        reply = Reply(
            "cached",
            input_tokens=100,
            output_tokens=40,
            cache_read_tokens=60,
            cache_write_tokens=20,
        )
        self.script(provider, server, reply)
        response = await provider.complete(user("usage"))
        cache_read = 60 if self.claimed.cache_read else 0
        cache_write = 20 if self.claimed.cache_write else 0
        total_input = 100 + 60 + 20  # every input token counts, cached or not
        assert response.tokens_input == total_input
        assert response.tokens_output == 40
        assert response.cache_read_tokens == cache_read
        assert response.cache_write_tokens == cache_write
        price = provider.price(response.model) or provider.price()
        if price is None:
            assert response.cost_usd is None
            assert provider.get_usage().unpriced_attempts == 1
        else:
            assert response.cost_usd == price.cost(response.usage)
            assert provider.get_usage().cost == response.cost_usd
