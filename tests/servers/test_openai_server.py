"""The OpenAI loopback server, as the real ``openai`` SDK sees it over a socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from orchestify_core.testing.servers import OpenAIServer, Reply, ThinkingSpec, ToolCallSpec

MODEL = "gpt-4o-mini"
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is the weather in Paris?"},
]
REQUEST: dict[str, Any] = {"model": MODEL, "messages": MESSAGES}
STREAM: dict[str, Any] = {**REQUEST, "stream": True, "stream_options": {"include_usage": True}}


async def _collect_content(stream: AsyncIterable[ChatCompletionChunk], into: list[str]) -> None:
    async for chunk in stream:
        into.append(chunk.choices[0].delta.content or "")


async def test_text_reply_parses_into_chat_completion(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """A scripted text reply becomes a ChatCompletion with content, finish_reason and usage."""
    openai_server.enqueue(
        Reply(
            text="Sunny, 21 degrees.",
            input_tokens=12,
            output_tokens=20,
            cache_read_tokens=100,
            reasoning_tokens=8,
            thinking=ThinkingSpec("not sent by chat completions"),
        )
    )
    completion = await openai_client.chat.completions.create(**REQUEST)

    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == MODEL
    (choice,) = completion.choices
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == "Sunny, 21 degrees."
    assert choice.message.tool_calls is None
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens == 112
    assert usage.completion_tokens == 20
    assert usage.total_tokens == 132
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 100
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 8


async def test_unscripted_request_gets_an_echo(openai_client: openai.AsyncOpenAI) -> None:
    """Without a script the server echoes the last user text with plausible usage."""
    completion = await openai_client.chat.completions.create(**REQUEST)

    assert completion.choices[0].message.content == "echo: What is the weather in Paris?"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0


async def test_tool_calls_carry_json_arguments(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """Scripted tool calls become function tool_calls with JSON-string arguments."""
    openai_server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Paris", "days": 3}),
                ToolCallSpec("get_time", {}, id="call_fixed"),
            ]
        )
    )
    completion = await openai_client.chat.completions.create(**REQUEST)

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    first, second = choice.message.tool_calls or []
    assert first.type == "function"
    assert first.id.startswith("call_")
    assert first.function.name == "get_weather"
    assert json.loads(first.function.arguments) == {"city": "Paris", "days": 3}
    assert second.type == "function"
    assert second.id == "call_fixed"
    assert json.loads(second.function.arguments) == {}


async def test_stop_reason_is_translated(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """A stop reason given in Anthropic's words arrives as OpenAI's finish_reason."""
    openai_server.enqueue(Reply(text="cut", stop_reason="max_tokens"))
    completion = await openai_client.chat.completions.create(**REQUEST)
    assert completion.choices[0].finish_reason == "length"


async def test_stream_reassembles_text_tools_and_usage(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """A stream yields a role delta, content and tool-call deltas, the finish, then usage."""
    openai_server.enqueue(
        Reply(
            text="Checking the weather.",
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Paris"}),
                ToolCallSpec("get_time", {"zone": "Europe/Paris"}),
            ],
            input_tokens=30,
            output_tokens=25,
            cache_read_tokens=10,
            chunk_count=4,
            json_chunk_count=3,
        )
    )
    stream = await openai_client.chat.completions.create(**STREAM)
    chunks = [chunk async for chunk in stream]

    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Checking the weather."
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) == 4

    calls: dict[int, dict[str, str]] = {}
    argument_pieces = 0
    for chunk in chunks:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            if delta.id:
                assert delta.type == "function"
                assert delta.function is not None
                assert delta.function.arguments == ""
                call["id"], call["name"] = delta.id, delta.function.name or ""
            elif delta.function is not None and delta.function.arguments:
                argument_pieces += 1
                call["arguments"] += delta.function.arguments
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris"}
    assert json.loads(calls[1]["arguments"]) == {"zone": "Europe/Paris"}
    assert argument_pieces == 6

    finish, usage_chunk = chunks[-2], chunks[-1]
    assert finish.choices[0].finish_reason == "tool_calls"
    assert finish.usage is None
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert usage_chunk.usage.prompt_tokens == 40
    assert usage_chunk.usage.completion_tokens == 25
    assert usage_chunk.usage.prompt_tokens_details is not None
    assert usage_chunk.usage.prompt_tokens_details.cached_tokens == 10


async def test_stream_without_include_usage_has_no_usage_chunk(
    openai_client: openai.AsyncOpenAI,
) -> None:
    """Without stream_options.include_usage no chunk carries usage."""
    stream = await openai_client.chat.completions.create(**REQUEST, stream=True)
    chunks = [chunk async for chunk in stream]

    assert all(chunk.usage is None and chunk.choices for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_thousand_chunk_stream(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """chunk_count=1000 on the default text gives exactly 1,000 content deltas."""
    openai_server.enqueue(Reply(chunk_count=1000))
    stream = await openai_client.chat.completions.create(**STREAM)
    pieces = [
        chunk.choices[0].delta.content
        async for chunk in stream
        if chunk.choices and chunk.choices[0].delta.content
    ]
    assert len(pieces) == 1000


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, openai.BadRequestError, "invalid_request_error"),
        (401, openai.AuthenticationError, "invalid_request_error"),
        (403, openai.PermissionDeniedError, "invalid_request_error"),
        (404, openai.NotFoundError, "invalid_request_error"),
        (409, openai.ConflictError, "invalid_request_error"),
        (422, openai.UnprocessableEntityError, "invalid_request_error"),
        (429, openai.RateLimitError, "requests"),
        (500, openai.InternalServerError, "server_error"),
        (503, openai.InternalServerError, "server_error"),
    ],
)
async def test_error_status_raises_the_sdk_class(
    openai_server: OpenAIServer,
    openai_client: openai.AsyncOpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    error_type: str,
) -> None:
    """Each error status arrives in OpenAI's error body and raises the SDK's class for it."""
    openai_server.enqueue(Reply(status=status, error_message="scripted failure"))
    with pytest.raises(error_class) as caught:
        await openai_client.chat.completions.create(**REQUEST)

    error = caught.value
    assert error.status_code == status
    assert error.message == f"Error code: {status} - scripted failure"
    assert error.type == error_type
    assert error.request_id is not None
    assert isinstance(error.body, dict)
    assert set(error.body) == {"message", "type", "param", "code"}


async def test_error_code_and_type_can_be_scripted(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """error_type and error_code override the per-status defaults."""
    openai_server.enqueue(Reply(status=429, error_type="insufficient_quota", error_code="quota"))
    with pytest.raises(openai.RateLimitError) as caught:
        await openai_client.chat.completions.create(**REQUEST)
    assert (caught.value.type, caught.value.code) == ("insufficient_quota", "quota")


async def test_retry_after_header_and_sdk_retry(openai_server: OpenAIServer) -> None:
    """A 429 carries retry-after; with retries on, the SDK retries into the next reply."""
    openai_server.enqueue(Reply(status=429, retry_after=0.01), Reply(text="second try"))
    async with openai.AsyncOpenAI(
        api_key="k", base_url=openai_server.base_url, max_retries=1
    ) as client:
        raw = await client.chat.completions.with_raw_response.create(**REQUEST)

    assert raw.parse().choices[0].message.content == "second try"
    assert raw.retries_taken == 1
    assert len(openai_server.requests) == 2


async def test_retry_after_header_reaches_the_client(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """The retry-after header of a scripted 429 is on the SDK's exception response."""
    openai_server.enqueue(Reply(status=429, retry_after=2))
    with pytest.raises(openai.RateLimitError) as caught:
        await openai_client.chat.completions.create(**REQUEST)
    assert caught.value.response.headers["retry-after"] == "2"


async def test_in_stream_error_raises_api_error(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """An in-stream {"error": ...} chunk raises openai.APIError after the chunks before it."""
    openai_server.enqueue(
        Reply(text="partial", chunk_count=1, stream_error_after=2, error_message="boom")
    )
    stream = await openai_client.chat.completions.create(**STREAM)
    received: list[str] = []
    with pytest.raises(openai.APIError) as caught:
        await _collect_content(stream, received)

    assert not isinstance(caught.value, openai.APIStatusError)
    assert caught.value.message == "boom"
    assert caught.value.type == "server_error"
    assert received == ["", "partial"]


async def test_dropped_connection_raises_api_connection_error(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """A connection closed before the response or mid-stream raises APIConnectionError."""
    openai_server.enqueue(Reply(drop_after=0), Reply(text="abcdef", chunk_size=1, drop_after=3))
    with pytest.raises(openai.APIConnectionError):
        await openai_client.chat.completions.create(**REQUEST)

    stream = await openai_client.chat.completions.create(**STREAM)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        await _collect_content(stream, received)
    assert received == ["", "a", "b"]


async def test_requests_are_recorded(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI, api_key: str
) -> None:
    """Each request is recorded with its path, bearer auth header and JSON body."""
    stream = await openai_client.chat.completions.create(**STREAM)
    async for _chunk in stream:
        pass

    (recorded,) = openai_server.requests
    assert (recorded.method, recorded.path) == ("POST", "/v1/chat/completions")
    assert recorded.headers["authorization"] == f"Bearer {api_key}"
    assert recorded.body == STREAM


async def test_open_connections_return_to_zero_after_break(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """Breaking out of a long stream and closing it closes its connection on the server."""
    openai_server.enqueue(Reply(chunk_count=1000, event_delay=0.001))
    stream = await openai_client.chat.completions.create(**STREAM)
    async for _chunk in stream:
        assert openai_server.open_connections == 1
        break
    await stream.close()

    await openai_server.wait_for_connections(0, within=2)


async def test_find_secret_reports_a_key_in_the_body(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI, api_key: str
) -> None:
    """The key as a bearer token is fine; the key inside the body is reported."""
    await openai_client.chat.completions.create(**REQUEST)
    assert openai_server.find_secret(api_key) == []

    await openai_client.chat.completions.create(model=MODEL, messages=MESSAGES, user=api_key)
    assert openai_server.find_secret(api_key) == ["request 1 (POST /v1/chat/completions): body"]


async def test_models_are_listed(openai_client: openai.AsyncOpenAI) -> None:
    """GET /v1/models lists the server's model ids."""
    page = await openai_client.models.list()
    assert [model.id for model in page.data] == ["gpt-5.4-mini", "gpt-5.5"]


async def test_replies_can_be_enqueued_as_dicts(
    openai_server: OpenAIServer, openai_client: openai.AsyncOpenAI
) -> None:
    """enqueue() accepts the JSON form of a reply, as the control API does."""
    openai_server.enqueue({"text": "from a dict", "tool_calls": [{"name": "f", "arguments": {}}]})
    completion = await openai_client.chat.completions.create(**REQUEST)
    message = completion.choices[0].message
    assert message.content == "from a dict"
    assert [call.function.name for call in message.tool_calls or []] == ["f"]


async def test_missing_messages_is_a_bad_request(openai_client: openai.AsyncOpenAI) -> None:
    """A request without messages is refused with a 400, as the API does."""
    with pytest.raises(openai.BadRequestError):
        await openai_client.chat.completions.create(model=MODEL, messages=[])


async def test_record_limit_bounds_the_recorded_requests() -> None:
    """record_limit keeps only about the newest requests; requests_received counts them all."""
    async with (
        OpenAIServer(record_limit=5) as server,
        openai.AsyncOpenAI(api_key="k", base_url=server.base_url, max_retries=0) as client,
    ):
        for number in range(12):
            await client.chat.completions.create(model=MODEL, messages=MESSAGES, user=str(number))

    assert server.requests_received == 12
    assert 5 <= len(server.requests) <= 6
    assert server.requests[-1].body["user"] == "11"
