"""The Anthropic loopback server, as the real ``anthropic`` SDK sees it over a socket."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterable
from typing import Any, TypeVar

import anthropic
import httpx2
import pytest
from anthropic.types import (
    MessageParam,
    RawMessageStreamEvent,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

from orchestify_core.testing.servers import (
    REPLY_HEADER,
    AnthropicServer,
    Reply,
    ThinkingSpec,
    ToolCallSpec,
)

MODEL = "claude-sonnet-4-6"
USER: list[MessageParam] = [{"role": "user", "content": "What is the weather in Paris?"}]
REQUEST: dict[str, Any] = {"model": MODEL, "max_tokens": 256, "messages": USER}

T = TypeVar("T")


async def _collect(items: AsyncIterable[T], into: list[T]) -> None:
    async for item in items:
        into.append(item)


async def _stream_texts(client: anthropic.AsyncAnthropic, into: list[str]) -> None:
    async with client.messages.stream(**REQUEST) as stream:
        await _collect(stream.text_stream, into)


async def test_text_reply_parses_into_message(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A scripted text reply becomes a Message with its text block, stop reason and usage."""
    anthropic_server.enqueue(
        Reply(
            text="Sunny, 21 degrees.",
            input_tokens=12,
            output_tokens=6,
            cache_read_tokens=100,
            cache_write_tokens=40,
        )
    )
    message = await anthropic_client.messages.create(**REQUEST)

    assert message.type == "message"
    assert message.role == "assistant"
    assert message.model == MODEL
    assert message.id.startswith("msg_")
    assert message.content == [TextBlock(type="text", text="Sunny, 21 degrees.")]
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    assert message.usage.input_tokens == 12
    assert message.usage.output_tokens == 6
    assert message.usage.cache_read_input_tokens == 100
    assert message.usage.cache_creation_input_tokens == 40


async def test_unscripted_request_gets_an_echo(
    anthropic_client: anthropic.AsyncAnthropic,
) -> None:
    """Without a script the server echoes the last user text with plausible usage."""
    short = await anthropic_client.messages.create(**REQUEST)
    long = await anthropic_client.messages.create(
        model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "word " * 400}]
    )

    assert short.content[0].type == "text"
    assert short.content[0].text == "echo: What is the weather in Paris?"
    assert short.usage.output_tokens > 0
    assert long.usage.input_tokens > short.usage.input_tokens + 400


async def test_tool_use_block_carries_input_dict(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A scripted tool call becomes a tool_use block with its input dict; stop_reason tool_use."""
    anthropic_server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Paris", "days": 3}),
                ToolCallSpec("get_time", {}, id="toolu_fixed"),
            ]
        )
    )
    message = await anthropic_client.messages.create(**REQUEST)

    first, second = message.content
    assert isinstance(first, ToolUseBlock)
    assert first.name == "get_weather"
    assert first.input == {"city": "Paris", "days": 3}
    assert first.id.startswith("toolu_")
    assert isinstance(second, ToolUseBlock)
    assert second.id == "toolu_fixed"
    assert second.input == {}
    assert message.stop_reason == "tool_use"


async def test_thinking_and_redacted_thinking_blocks(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """Thinking (with signature) and redacted thinking come before the text, as in the API."""
    anthropic_server.enqueue(
        Reply(
            text="42",
            thinking=ThinkingSpec("Let me think.", "sig-abc"),
            redacted_thinking="opaque-data",
        )
    )
    message = await anthropic_client.messages.create(**REQUEST)

    assert message.content == [
        ThinkingBlock(type="thinking", thinking="Let me think.", signature="sig-abc"),
        RedactedThinkingBlock(type="redacted_thinking", data="opaque-data"),
        TextBlock(type="text", text="42"),
    ]


async def test_stop_reason_is_translated(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A stop reason given in OpenAI's words arrives in Anthropic's."""
    anthropic_server.enqueue(Reply(text="cut", stop_reason="length"))
    message = await anthropic_client.messages.create(**REQUEST)
    assert message.stop_reason == "max_tokens"


async def test_stream_helper_reassembles_everything(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """messages.stream() rebuilds text, thinking, tool input and the final cumulative usage."""
    anthropic_server.enqueue(
        Reply(
            text="The weather is sunny.",
            thinking=ThinkingSpec("Check the forecast.", "sig-stream"),
            tool_calls=[ToolCallSpec("get_weather", {"city": "Paris", "units": ["C", "F"]})],
            input_tokens=30,
            output_tokens=55,
            cache_read_tokens=11,
            cache_write_tokens=7,
            chunk_count=5,
        )
    )
    async with anthropic_client.messages.stream(**REQUEST) as stream:
        texts = [text async for text in stream.text_stream]
        final = await stream.get_final_message()

    assert texts == ["The w", "eath", "er i", "s su", "nny."]
    thinking, text, tool = final.content
    assert isinstance(thinking, ThinkingBlock)
    assert (thinking.thinking, thinking.signature) == ("Check the forecast.", "sig-stream")
    assert isinstance(text, TextBlock)
    assert text.text == "The weather is sunny."
    assert isinstance(tool, ToolUseBlock)
    assert tool.input == {"city": "Paris", "units": ["C", "F"]}
    assert final.stop_reason == "tool_use"
    assert final.usage.input_tokens == 30
    assert final.usage.output_tokens == 55
    assert final.usage.cache_read_input_tokens == 11
    assert final.usage.cache_creation_input_tokens == 7


async def test_raw_stream_events_follow_the_api_sequence(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """create(stream=True) yields message_start, blocks with deltas, message_delta, message_stop."""
    anthropic_server.enqueue(
        Reply(
            text="hi there",
            tool_calls=[ToolCallSpec("lookup", {"query": "a long enough query"})],
            chunk_count=2,
            json_chunk_count=4,
            output_tokens=9,
        )
    )
    stream = await anthropic_client.messages.create(**REQUEST, stream=True)
    events = [event async for event in stream]

    kinds = [event.type for event in events]
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 2
    start = events[0]
    assert start.type == "message_start"
    assert start.message.usage.output_tokens <= 1
    assert start.message.stop_reason is None
    deltas = [event.delta for event in events if event.type == "content_block_delta"]
    assert [delta.type for delta in deltas].count("text_delta") == 2
    partial = [delta.partial_json for delta in deltas if delta.type == "input_json_delta"]
    assert len(partial) == 4
    assert json.loads("".join(partial)) == {"query": "a long enough query"}
    delta_event = events[-2]
    assert delta_event.type == "message_delta"
    assert delta_event.delta.stop_reason == "tool_use"
    assert delta_event.usage.output_tokens == 9


async def test_thousand_chunk_stream(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """chunk_count=1000 on the default text gives exactly 1,000 text deltas."""
    anthropic_server.enqueue(Reply(chunk_count=1000))
    stream = await anthropic_client.messages.create(**REQUEST, stream=True)
    pieces = [
        event.delta.text
        async for event in stream
        if event.type == "content_block_delta" and event.delta.type == "text_delta"
    ]
    assert len(pieces) == 1000
    assert "".join(pieces).startswith("echo: What is the weather in Paris?")


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, anthropic.BadRequestError, "invalid_request_error"),
        (401, anthropic.AuthenticationError, "authentication_error"),
        (403, anthropic.PermissionDeniedError, "permission_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (503, anthropic.ServiceUnavailableError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
async def test_error_status_raises_the_sdk_class(
    anthropic_server: AnthropicServer,
    anthropic_client: anthropic.AsyncAnthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    """Each error status arrives in Anthropic's error body and raises the SDK's class for it."""
    anthropic_server.enqueue(Reply(status=status, error_message="scripted failure"))
    with pytest.raises(error_class) as caught:
        await anthropic_client.messages.create(**REQUEST)

    error = caught.value
    assert error.status_code == status
    assert error.type == error_type
    assert error.api_message == "scripted failure"
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert isinstance(error.body, dict)
    assert error.body["type"] == "error"
    assert error.body["request_id"] == error.request_id


async def test_error_before_a_stream_raises_at_create(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """An error status on a streaming request is a JSON error, raised before any event."""
    anthropic_server.enqueue(Reply(status=529))
    with pytest.raises(anthropic.OverloadedError):
        await anthropic_client.messages.create(**REQUEST, stream=True)


async def test_retry_after_headers_reach_the_client(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A 429 carries retry-after and retry-after-ms, plus any scripted header."""
    anthropic_server.enqueue(
        Reply(status=429, retry_after=2, retry_after_ms=1500, headers={"x-should-retry": "true"})
    )
    with pytest.raises(anthropic.RateLimitError) as caught:
        await anthropic_client.messages.create(**REQUEST)

    headers = caught.value.response.headers
    assert headers["retry-after"] == "2"
    assert headers["retry-after-ms"] == "1500"
    assert headers["x-should-retry"] == "true"


async def test_sdk_retries_after_a_scripted_429(anthropic_server: AnthropicServer) -> None:
    """With retries on, the SDK honours retry-after-ms and the next queued reply succeeds."""
    anthropic_server.enqueue(Reply(status=429, retry_after_ms=10), Reply(text="second try"))
    async with anthropic.AsyncAnthropic(
        api_key="k", base_url=anthropic_server.base_url, max_retries=1
    ) as client:
        message = await client.messages.create(**REQUEST)

    assert message.content[0].type == "text"
    assert message.content[0].text == "second try"
    assert len(anthropic_server.requests) == 2
    assert anthropic_server.requests[1].headers["x-stainless-retry-count"] == "1"


async def test_in_stream_error_raises_in_the_sdk(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """An in-stream error event raises APIStatusError carrying the overloaded_error body."""
    anthropic_server.enqueue(Reply(text="partial answer", stream_error_after=4))
    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        await _stream_texts(anthropic_client, received)

    assert received == ["partial answer"]
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert caught.value.type == "overloaded_error"


async def test_dropped_connection_before_response(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A connection closed before the status line raises APIConnectionError."""
    anthropic_server.enqueue(Reply(drop_after=0))
    with pytest.raises(anthropic.APIConnectionError):
        await anthropic_client.messages.create(**REQUEST)


async def test_dropped_connection_mid_stream(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """A stream cut after some events raises the transport error (this SDK does not wrap it)."""
    anthropic_server.enqueue(Reply(text="abcdefghij", chunk_size=2, drop_after=5))
    stream = await anthropic_client.messages.create(**REQUEST, stream=True)
    events: list[RawMessageStreamEvent] = []
    with pytest.raises(httpx2.RemoteProtocolError):
        await _collect(stream, events)

    # five events went out: message_start, ping (which the SDK skips), the block start
    # and two deltas
    assert [event.type for event in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
    ]


async def test_requests_are_recorded(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic, api_key: str
) -> None:
    """Each request is recorded with its method, path, lower-case headers and JSON body."""
    await anthropic_client.messages.create(**REQUEST, system="Be brief.")

    (recorded,) = anthropic_server.requests
    assert (recorded.method, recorded.path) == ("POST", "/v1/messages")
    assert recorded.headers["authorization"] == f"Bearer {api_key}"
    assert recorded.headers["anthropic-version"]
    assert recorded.headers["content-type"] == "application/json"
    assert recorded.body == {**REQUEST, "system": "Be brief."}


async def test_open_connections_return_to_zero_after_break(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """Breaking out of a long stream closes its connection on the server side."""
    anthropic_server.enqueue(Reply(chunk_count=1000, event_delay=0.001))
    async with anthropic_client.messages.stream(**REQUEST) as stream:
        async for _text in stream.text_stream:
            assert anthropic_server.open_connections == 1
            break

    await anthropic_server.wait_for_connections(0, within=2)
    assert anthropic_server.connections_accepted == 1


async def test_find_secret_reports_leaks_outside_the_auth_header(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic, api_key: str
) -> None:
    """The key in its auth header is fine; the key in a body or another header is reported."""
    await anthropic_client.messages.create(**REQUEST)
    assert anthropic_server.find_secret(api_key) == []

    await anthropic_client.messages.create(
        model=MODEL,
        max_tokens=10,
        messages=[{"role": "user", "content": f"my key is {api_key}"}],
        extra_headers={"x-debug": api_key},
    )
    assert anthropic_server.find_secret(api_key) == [
        "request 1 (POST /v1/messages): header 'x-debug'",
        "request 1 (POST /v1/messages): body",
    ]


async def test_count_tokens_estimates_the_prompt(
    anthropic_client: anthropic.AsyncAnthropic,
) -> None:
    """count_tokens returns an input_tokens estimate that grows with the prompt."""
    small = await anthropic_client.messages.count_tokens(model=MODEL, messages=USER)
    large = await anthropic_client.messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "word " * 100}]
    )
    assert 0 < small.input_tokens < large.input_tokens


async def test_models_are_listed(anthropic_client: anthropic.AsyncAnthropic) -> None:
    """GET /v1/models lists the server's model ids."""
    page = await anthropic_client.models.list()
    assert [model.id for model in page.data] == ["claude-sonnet-4-6", "claude-haiku-4-5"]


async def test_api_key_is_enforced_when_configured() -> None:
    """A server built with api_key answers 401 to any other key."""
    async with AnthropicServer(api_key="right-key") as server:
        async with anthropic.AsyncAnthropic(
            api_key="wrong-key", base_url=server.base_url, max_retries=0
        ) as wrong:
            with pytest.raises(anthropic.AuthenticationError):
                await wrong.messages.create(**REQUEST)
        async with anthropic.AsyncAnthropic(
            api_key="right-key", base_url=server.base_url, max_retries=0
        ) as right:
            assert (await right.messages.create(**REQUEST)).content


async def test_reply_header_scripts_one_request(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """An x-loopback-reply header answers its request and leaves the queue alone."""
    anthropic_server.enqueue(Reply(text="queued"))
    message = await anthropic_client.messages.create(
        **REQUEST, extra_headers={REPLY_HEADER: json.dumps({"text": "from header"})}
    )
    assert message.content[0].type == "text"
    assert message.content[0].text == "from header"
    assert anthropic_server.pending == 1


async def test_invalid_request_gets_invalid_request_error(
    anthropic_client: anthropic.AsyncAnthropic,
) -> None:
    """A request missing a required field is refused with a 400, as the API does."""
    with pytest.raises(anthropic.BadRequestError) as caught:
        await anthropic_client.messages.create(**REQUEST, extra_body={"max_tokens": None})
    assert caught.value.api_message == "max_tokens: Field required"


async def test_hang_times_out_the_client(anthropic_server: AnthropicServer) -> None:
    """A hanging reply makes the SDK time out, and the connection is then released."""
    anthropic_server.enqueue(Reply(hang=True))
    async with anthropic.AsyncAnthropic(
        api_key="k", base_url=anthropic_server.base_url, max_retries=0, timeout=0.2
    ) as client:
        with pytest.raises(anthropic.APITimeoutError):
            await client.messages.create(**REQUEST)
    await anthropic_server.wait_for_connections(0, within=2)


async def test_delays_slow_the_response(
    anthropic_server: AnthropicServer, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    """first_byte_delay and event_delay stretch a stream by at least their sum."""
    anthropic_server.enqueue(
        Reply(text="abcd", chunk_size=1, first_byte_delay=0.05, event_delay=0.01)
    )
    started = time.perf_counter()
    stream = await anthropic_client.messages.create(**REQUEST, stream=True)
    async for _event in stream:
        pass
    # 10 events (start, ping, block start, 4 deltas, block stop, delta, stop): 9 delays
    assert time.perf_counter() - started >= 0.05 + 9 * 0.01


async def test_server_stop_ends_a_hanging_stream() -> None:
    """Stopping the server cuts a stream stalled with hang_after."""
    server = AnthropicServer()
    await server.start()
    server.enqueue(Reply(hang_after=2))
    async with anthropic.AsyncAnthropic(
        api_key="k", base_url=server.base_url, max_retries=0
    ) as client:
        stream = await client.messages.create(**REQUEST, stream=True)
        first = await anext(aiter(stream))
        assert first.type == "message_start"
        await asyncio.wait_for(server.stop(), 5)
        with pytest.raises(httpx2.TransportError):
            async for _event in stream:
                pass
