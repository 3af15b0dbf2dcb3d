"""The conformance suite a provider plugin runs against itself.

Subclass :class:`ProviderConformance` in your plugin's tests, say which loopback server
speaks your provider's protocol, what your provider claims, and how to configure it::

    from orchestify_core.testing.conformance import Claims, ProviderConformance

    class TestMyPluginConformance(ProviderConformance):
        protocol = "openai"                # or "anthropic"
        claims = Claims(tools=True, vision=True, thinking=False)

        def provider_settings(self, base_url: str) -> dict[str, object]:
            return {"type": "myprovider", "default_model": "my-model", "base_url": base_url}

pytest then runs every check below against a provider built from that config, through the
registry, the real plugin and its real SDK, over a real socket. The suite needs the
``testing`` extra and pytest-asyncio (``asyncio_mode = "auto"`` or the ``asyncio`` marker,
which the suite sets itself). A provider that reaches no server can override
:meth:`ProviderConformance.script` and set ``Claims(network=False)``.

What is checked: complete; stream (same text as complete, usage recorded exactly once);
a tool-call round trip in complete and in stream; thinking with its signature surviving a
second turn (when claimed); images reaching the provider (when claimed); exact usage
(cache tokens when claimed) and cost; error mapping (429 with retry_after, 401, 400, 5xx,
529, refused connection, timeout, an error inside a stream); a stream cancelled midway
accounted and its connection closed; the API key never in logs, reprs, errors or anywhere
but its own header.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import attrs
import pytest
import pytest_asyncio

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ImagePart,
    LLMMessage,
    LLMProvider,
    ProviderError,
    ProviderRegistry,
    RateLimitError,
    StreamDone,
    TextPart,
    ThinkingPart,
    ToolCallComplete,
)
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import (
    LoopbackServer,
    Reply,
    ThinkingSpec,
    ToolCallSpec,
    server_class,
)

__all__ = ["Claims", "ProviderConformance"]

PROVIDER_ID = "conformance"
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


@attrs.frozen
class Claims:
    """What the provider under test claims to do.

    Attributes:
        tools: Tool calling.
        thinking: Thinking text with a signature that must be sent back.
        vision: Images in user messages.
        cache_read: Reports prompt-cache reads.
        cache_write: Reports prompt-cache writes.
        network: It talks to a server (connection and timeout checks apply).
        early_input_usage: Input tokens are reported before the content (Anthropic's
            ``message_start``), so a stream left early has exact input tokens; otherwise
            they are estimated and marked so.
    """

    tools: bool = True
    thinking: bool = False
    vision: bool = True
    cache_read: bool = True
    cache_write: bool = False
    network: bool = True
    early_input_usage: bool = True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


class ProviderConformance:
    """Checks every provider plugin must pass; subclass it as the module docstring shows."""

    #: The loopback server speaking the provider's wire protocol, or None.
    protocol: ClassVar[str | None] = None
    #: What the provider claims.
    claims: ClassVar[Claims] = Claims()
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.asyncio]

    # ------------------------------------------------------------------ to override

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        """The provider's YAML settings (without ``api_key``) pointing at ``base_url``."""
        raise NotImplementedError("a conformance subclass defines provider_settings()")

    def script(self, provider: LLMProvider, server: LoopbackServer | None, *replies: Reply) -> None:
        """Make the provider answer the next requests with ``replies``."""
        assert server is not None, "override script() for a provider without a server"
        server.enqueue(*replies)

    def sent_bodies(self, provider: LLMProvider, server: LoopbackServer | None) -> list[str]:
        """What the provider sent, as JSON text, one entry per request."""
        assert server is not None, "override sent_bodies() for a provider without a server"
        return [json.dumps(r.body) for r in server.requests]

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def api_key(self) -> str:
        """A canary key: it must never show anywhere but in its own header."""
        return f"sk-canary-{uuid.uuid4()}"

    @pytest_asyncio.fixture
    async def server(self, api_key: str) -> AsyncIterator[LoopbackServer | None]:
        if self.protocol is None:
            yield None
            return
        async with server_class(self.protocol)(api_key=api_key) as server:
            yield server

    def build(self, base_url: str | None, api_key: str, **overrides: Any) -> LLMProvider:
        settings = {
            **self.provider_settings(base_url),
            "api_key": Secret(api_key),
            "retry": {"max_retries": 0},
            "timeout": 10.0,
            **overrides,
        }
        config = parse_config([({"providers": {PROVIDER_ID: settings}}, {})])
        registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
        return registry.get(PROVIDER_ID)

    @pytest_asyncio.fixture
    async def provider(
        self, server: LoopbackServer | None, api_key: str
    ) -> AsyncIterator[LLMProvider]:
        provider = self.build(server.base_url if server else None, api_key)
        yield provider
        await provider.aclose()

    # ------------------------------------------------------------------ completion

    async def test_complete(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """A completion returns the text, a stop finish reason and the serving model."""
        self.script(provider, server, Reply("Paris is the capital of France."))
        response = await provider.complete(_user("Capital of France?"), max_tokens=100)
        assert response.content == "Paris is the capital of France."
        assert response.finish_reason == "stop"
        assert response.model
        assert response.provider_id == PROVIDER_ID
        assert response.provider_type == provider.provider_type
        assert provider.get_usage().call_count == 1

    async def test_stream_matches_complete(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A stream's chunks join into the text a completion of the same reply gives."""
        text = "One, two, three, four, five, six, seven, eight."
        self.script(provider, server, Reply(text), Reply(text, chunk_count=8))
        completed = await provider.complete(_user("count"))
        stream = provider.stream(_user("count"))
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
        stream = provider.stream(_user("usage"))
        async for _ in stream:
            pass
        usage = provider.get_usage()
        assert usage.attempts == 1
        assert usage.call_count == 1
        assert usage.total_input == 21
        assert usage.total_output == 9
        assert usage.estimated_attempts == 0

    # ------------------------------------------------------------------ tools

    async def test_tool_round_trip_complete(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Tool call, tool result, final answer: the result reaches the provider."""
        if not self.claims.tools:
            pytest.skip("the provider does not claim tools")
        self.script(
            provider,
            server,
            Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"}, id="call_1")]),
            Reply("It is sunny in Paris."),
        )
        messages = _user("Weather in Paris?")
        first = await provider.complete(messages, tools=[WEATHER_TOOL])
        assert first.finish_reason == "tool_use"
        [call] = first.tool_calls
        assert (call.name, dict(call.arguments)) == ("get_weather", {"city": "Paris"})
        messages += [first.to_message(), LLMMessage.tool_result(call.id, "sunny, 24 C")]
        final = await provider.complete(messages, tools=[WEATHER_TOOL])
        assert final.content == "It is sunny in Paris."
        second_request = self.sent_bodies(provider, server)[-1]
        assert "sunny, 24 C" in second_request
        assert call.id in second_request

    async def test_tool_round_trip_stream(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A streamed tool call arrives in pieces and is assembled into one decoded call."""
        if not self.claims.tools:
            pytest.skip("the provider does not claim tools")
        arguments = {"city": "Paris", "units": "metric", "days": 3}
        self.script(
            provider,
            server,
            Reply(tool_calls=[ToolCallSpec("get_weather", arguments)], json_chunk_count=4),
            Reply("Sunny for three days.", chunk_count=4),
        )
        events = [e async for e in provider.stream_events(_user("Weather?"), tools=[WEATHER_TOOL])]
        completes = [e for e in events if isinstance(e, ToolCallComplete)]
        assert [dict(c.tool_call.arguments) for c in completes] == [arguments]
        done = events[-1]
        assert isinstance(done, StreamDone)
        assert done.response.finish_reason == "tool_use"
        call = done.response.tool_calls[0]
        messages = [
            *_user("Weather?"),
            done.response.to_message(),
            LLMMessage.tool_result(call.id, "sunny"),
        ]
        chunks = [c async for c in provider.stream(messages, tools=[WEATHER_TOOL])]
        assert "".join(chunks) == "Sunny for three days."

    # ------------------------------------------------------------------ thinking, vision

    async def test_thinking_round_trip(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Thinking text and its signature come back, and are sent back on the next turn."""
        if not self.claims.thinking:
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
            _user("Weather in Oslo?"), tools=[WEATHER_TOOL], thinking=True, max_tokens=4096
        )
        thinking = [p for p in first.parts if isinstance(p, ThinkingPart)]
        assert [(p.thinking, p.signature) for p in thinking] == [(thought.text, signature)]
        messages = [
            *_user("Weather in Oslo?"),
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
        if not self.claims.vision:
            pytest.skip("the provider does not claim vision")
        self.script(provider, server, Reply("A transparent pixel."))
        image = ImagePart(media_type="image/png", data=PNG)
        message = LLMMessage(role="user", content=[TextPart("What is this?"), image])
        response = await provider.complete([message])
        assert response.content == "A transparent pixel."
        assert PNG in self.sent_bodies(provider, server)[-1]

    # ------------------------------------------------------------------ usage, cost

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
        response = await provider.complete(_user("usage"))
        cache_read = 60 if self.claims.cache_read else 0
        cache_write = 20 if self.claims.cache_write else 0
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

    # ------------------------------------------------------------------ errors

    async def test_rate_limit_carries_retry_after(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """429 becomes RateLimitError with the provider's retry-after."""
        self.script(provider, server, Reply(status=429, retry_after=2))
        with pytest.raises(RateLimitError) as info:
            await provider.complete(_user("hi"))
        assert info.value.retry_after == 2
        assert info.value.status_code == 429
        assert isinstance(info.value.__cause__, Exception)

    @pytest.mark.parametrize(
        ("status", "error_class"),
        [(401, AuthenticationError), (400, BadRequestError), (500, APIError), (529, APIError)],
    )
    async def test_status_errors(
        self,
        provider: LLMProvider,
        server: LoopbackServer | None,
        status: int,
        error_class: type[APIError],
    ) -> None:
        """Error statuses become the core's errors, with the status and the SDK's cause."""
        self.script(provider, server, Reply(status=status))
        with pytest.raises(error_class) as info:
            await provider.complete(_user("hi"))
        assert info.value.status_code == status
        assert info.value.__cause__ is not None
        assert provider.get_usage().outcomes == {"error": 1}

    async def test_refused_connection(self, api_key: str) -> None:
        """Nothing listening on the port: APIConnectionError."""
        if not self.claims.network:
            pytest.skip("the provider reaches no server")
        port = _free_port()
        base = f"http://127.0.0.1:{port}" + ("/v1" if self.protocol == "openai" else "")
        provider = self.build(base, api_key)
        with pytest.raises(APIConnectionError):
            await provider.complete(_user("hi"))
        await provider.aclose()

    async def test_timeout(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """A server that never answers: APITimeoutError after the call's timeout."""
        if not self.claims.network:
            pytest.skip("the provider reaches no server")
        self.script(provider, server, Reply(hang=True), Reply(hang=True))
        with pytest.raises(APITimeoutError):
            await provider.complete(_user("hi"), timeout=0.5)
        with pytest.raises(APITimeoutError):
            async for _ in provider.stream(_user("hi"), timeout=0.5):
                pass

    async def test_error_inside_stream_is_never_a_success(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """An error event mid-stream raises a ProviderError; no final response is produced."""
        self.script(
            provider, server, Reply("a long answer cut short", chunk_count=6, stream_error_after=5)
        )
        stream = provider.stream(_user("hi"))
        with pytest.raises(ProviderError):
            async for _ in stream:
                pass
        assert stream.response is None
        assert provider.get_usage().call_count == 0

    async def test_stream_cancelled_midway(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Leaving a stream early accounts its usage and closes its connection."""
        self.script(
            provider,
            server,
            Reply("word " * 40, chunk_count=40, event_delay=0.01, input_tokens=33),
        )
        async with provider.stream(_user("long")) as stream:
            async for _ in stream:
                break
        usage = provider.get_usage()
        assert usage.attempts == 1
        assert usage.outcomes == {"cancelled": 1}
        assert usage.estimated_attempts == 1  # the output tokens, at least, are estimated
        if self.claims.early_input_usage:
            assert usage.total_input == 33
        else:
            assert usage.total_input > 0
        if server is not None:
            await server.wait_for_connections(0, within=5)

    # ------------------------------------------------------------------ secrets

    async def test_key_never_leaks(
        self,
        provider: LLMProvider,
        server: LoopbackServer | None,
        api_key: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The key is in no log record (DEBUG everywhere), repr, error, or other header."""
        caplog.set_level(logging.DEBUG)
        self.script(provider, server, Reply("ok"), Reply("ok", chunk_count=2), Reply(status=401))
        texts = [repr(provider), repr(provider.config), repr(provider.get_usage())]
        response = await provider.complete(_user("hi"))
        texts.append(repr(response))
        texts += [chunk async for chunk in provider.stream(_user("hi"))]
        with pytest.raises(AuthenticationError) as info:
            await provider.complete(_user("hi"))
        texts += [str(info.value), repr(info.value)]
        texts.append("".join(traceback.format_exception(info.value)))
        texts += [record.getMessage() for record in caplog.records]
        texts += [repr(record.args) for record in caplog.records]
        assert [t for t in texts if api_key in t] == []
        if server is not None:
            assert server.find_secret(api_key) == []
