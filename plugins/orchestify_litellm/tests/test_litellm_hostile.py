"""Hostile servers (issue 13) over real sockets: redirects, answers that are no stream,
impossible usage, shared tool-call indexes, unknown finish reasons, keys in exception
chains, and wrong-shaped answers."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from aiohttp import web
from litellm_support import (
    ANTHROPIC_MODEL,
    OPENAI_MODEL,
    Build,
    RawServer,
    json_answer,
    sse_answer,
    user,
)
from orchestify_litellm._errors import RedirectError

from orchestify_core import LLMProvider, ProviderError, StreamDone, ToolCallComplete
from orchestify_core.plugin import MalformedResponseError, is_retryable
from orchestify_core.testing.servers import Reply

ROUTES = {"anthropic": (ANTHROPIC_MODEL, ""), "openai": (OPENAI_MODEL, "/v1")}
OPENAI_BODY: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}
ANTHROPIC_BODY: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "hello"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 5, "output_tokens": 2},
}


def _provider(build: Build, route: str, server: RawServer, **settings: Any) -> LLMProvider:
    model, suffix = ROUTES[route]
    return build(model, server.base_url + suffix, **settings)


async def _call(provider: LLMProvider, stream: bool) -> Any:
    if stream:
        return [chunk async for chunk in provider.stream(user("hi"))]
    return await provider.complete(user("hi"))


def _redirect(target: RawServer, status: int) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={"Location": target.base_url + request.path})

    return handler


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("route", ["anthropic", "openai"])
async def test_redirect_is_not_followed(
    build: Build, api_key: str, route: str, status: int, stream: bool
) -> None:
    """A redirect to another host is a RedirectError naming the status; the other host gets
    no request at all, so never the key."""
    other = RawServer(json_answer(OPENAI_BODY))
    async with other, RawServer(_redirect(other, status)) as server:
        provider = _provider(build, route, server)
        with pytest.raises(RedirectError) as info:
            await _call(provider, stream)
        await provider.aclose()
    assert info.value.status_code == status
    assert str(status) in str(info.value)
    assert not is_retryable(info.value)
    assert other.requests == []
    assert not other.saw_key(api_key)
    assert server.saw_key(api_key)


NOT_A_STREAM = {
    "plain JSON": lambda route: json_answer(OPENAI_BODY if route == "openai" else ANTHROPIC_BODY),
    "malformed JSON": lambda route: json_answer("{not json"),
    "empty 200": lambda route: json_answer(""),
}


@pytest.mark.parametrize("case", sorted(NOT_A_STREAM))
@pytest.mark.parametrize("route", ["anthropic", "openai"])
async def test_answer_that_is_no_stream(build: Build, route: str, case: str) -> None:
    """A non-SSE answer to a stream request is a retryable MalformedResponseError, never an
    empty success; with a retry, the next attempt is made."""
    async with RawServer(NOT_A_STREAM[case](route)) as server:
        provider = _provider(build, route, server, retry={"max_retries": 1, "initial_delay": 0})
        with pytest.raises(ProviderError) as info:
            await _call(provider, stream=True)
        await provider.aclose()
    error = info.value
    cause = error.__cause__ if not isinstance(error, MalformedResponseError) else error
    assert isinstance(error, MalformedResponseError) or isinstance(cause, MalformedResponseError)
    assert len(server.requests) == 2
    assert provider.get_usage().call_count == 0


async def test_missing_usage_is_estimated(build: Build) -> None:
    """An answer without usage is accounted with estimated tokens, not 0/0."""
    body = {k: v for k, v in OPENAI_BODY.items() if k != "usage"}
    async with RawServer(json_answer(body)) as server:
        provider = _provider(build, "openai", server)
        response = await provider.complete(user("hello there, how are you?"))
        await provider.aclose()
    assert response.usage.estimated
    assert response.tokens_input > 0
    assert response.tokens_output >= 1


async def test_string_usage_is_read_as_its_number(build: Build) -> None:
    """Usage sent as strings of digits ("12") is read as the numbers."""
    body = {**OPENAI_BODY, "usage": {"prompt_tokens": "12", "completion_tokens": "3"}}
    async with RawServer(json_answer(body)) as server:
        provider = _provider(build, "openai", server)
        with pytest.warns(
            UserWarning, match="serializ"
        ):  # pydantic's serializer warns about the strings
            response = await provider.complete(user("hi"))
        await provider.aclose()
    assert (response.tokens_input, response.tokens_output) == (12, 3)
    assert not response.usage.estimated


@pytest.mark.parametrize("route", ["anthropic", "openai"])
async def test_negative_usage_is_a_typed_error(build: Build, route: str) -> None:
    """Negative token counts are a MalformedResponseError, never a negative cost."""
    if route == "openai":
        body = {**OPENAI_BODY, "usage": {"prompt_tokens": -12, "completion_tokens": 3}}
    else:
        body = {**ANTHROPIC_BODY, "usage": {"input_tokens": -12, "output_tokens": 3}}
    async with RawServer(json_answer(body)) as server:
        provider = _provider(build, route, server)
        with pytest.raises(MalformedResponseError, match="negative"):
            await provider.complete(user("hi"))
        await provider.aclose()


def _tool_chunk(call_id: str, arguments: str, finish: str | None = None) -> dict[str, Any]:
    call = {"index": 0, "id": call_id, "type": "function"}
    call["function"] = {"name": "get_weather", "arguments": arguments}
    delta = {"role": "assistant", "tool_calls": [call]}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [choice],
    }


async def test_tool_calls_sharing_index_zero_stay_apart(build: Build) -> None:
    """Two streamed tool calls both at index 0 with different ids are two calls."""
    usage = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4},
    }
    events = [
        _tool_chunk("call_a", '{"city": "Paris"}'),
        _tool_chunk("call_b", '{"city": "Oslo"}', finish="tool_calls"),
        usage,
    ]
    async with RawServer(sse_answer(events)) as server:
        provider = _provider(build, "openai", server)
        got = [e async for e in provider.stream_events(user("weather"))]
        await provider.aclose()
    calls = [e.tool_call for e in got if isinstance(e, ToolCallComplete)]
    assert [(c.id, dict(c.arguments)) for c in calls] == [
        ("call_a", {"city": "Paris"}),
        ("call_b", {"city": "Oslo"}),
    ]


async def test_unknown_finish_reason_is_kept_raw(build: Build) -> None:
    """An unknown finish reason is 'other' with the raw value kept, never 'stop'."""
    choice = {**OPENAI_BODY["choices"][0], "finish_reason": "weird_reason"}
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "weird_reason"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
    async with RawServer(json_answer({**OPENAI_BODY, "choices": [choice]})) as server:
        provider = _provider(build, "openai", server)
        response = await provider.complete(user("hi"))
        await provider.aclose()
    assert (response.finish_reason, response.raw_finish_reason) == ("other", "weird_reason")
    async with RawServer(sse_answer([chunk])) as server:
        provider = _provider(build, "openai", server)
        events = [e async for e in provider.stream_events(user("hi"))]
        await provider.aclose()
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert (done.response.finish_reason, done.response.raw_finish_reason) == (
        "other",
        "weird_reason",
    )


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize("route", ["anthropic", "openai"])
async def test_unknown_finish_reason_on_both_routes(
    build: Build, backend_for: Any, route: str, stream: bool
) -> None:
    """LiteLLM rewrites an unknown stop reason to 'stop' (and, on Anthropic's route, keeps
    no trace of it): the plugin reports the backend's own value, normalised to 'other'."""
    async with backend_for(route) as (server, model):
        provider = build(model, server.base_url)
        server.enqueue(Reply("hello", stop_reason="weird_reason"), Reply("fine"))
        if stream:
            events = [e async for e in provider.stream_events(user("hi"))]
            done = events[-1]
            assert isinstance(done, StreamDone)
            response = done.response
        else:
            response = await provider.complete(user("hi"))
        normal = await provider.complete(user("hi"))
        await provider.aclose()
    assert (response.finish_reason, response.raw_finish_reason) == ("other", "weird_reason")
    assert normal.finish_reason == "stop"


async def test_usage_litellm_made_up_is_estimated(build: Build, backend_for: Any) -> None:
    """An OpenAI stream with no usage: LiteLLM counts tokens itself for the usage chunk it
    was asked for; that usage is marked estimated, a reported one is not."""
    async with backend_for("openai") as (server, model):
        provider = build(model, server.base_url)
        server.enqueue(Reply("hello there", usage_fault="missing"), Reply("hello again"))
        first = [e async for e in provider.stream_events(user("hi"))][-1]
        second = [e async for e in provider.stream_events(user("hi"))][-1]
        await provider.aclose()
    assert isinstance(first, StreamDone)
    assert isinstance(second, StreamDone)
    assert first.response.usage.estimated
    assert first.response.tokens_input > 0
    assert not second.response.usage.estimated


WRONG_SHAPES = {
    "choices not a list": {"choices": "nope", "content": 5},
    "a list": [1, 2],
    "no choices": {**OPENAI_BODY, "choices": []},
    "usage not a number": {**OPENAI_BODY, "usage": {"prompt_tokens": "many"}},
}


# LiteLLM's pydantic models warn when they serialise the deliberately wrong values.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@pytest.mark.parametrize("case", sorted(WRONG_SHAPES))
@pytest.mark.parametrize("route", ["anthropic", "openai"])
async def test_wrong_shaped_answers_are_typed_errors(
    build: Build, api_key: str, route: str, case: str
) -> None:
    """A wrong-shaped 200 is a retryable ProviderError with its cause kept and no key."""
    async with RawServer(json_answer(WRONG_SHAPES[case])) as server:
        provider = _provider(build, route, server)
        with pytest.raises(ProviderError) as info:
            await provider.complete(user("hi"))
        await provider.aclose()
    assert is_retryable(info.value)
    assert info.value.__cause__ is not None or isinstance(info.value, MalformedResponseError)
    assert api_key not in "".join(traceback.format_exception(info.value))


async def test_key_echoed_by_the_server_is_in_no_exception_chain(
    build: Build, api_key: str
) -> None:
    """A 401 body echoing the key shows it nowhere: not in str/repr, nor in the formatted
    chain of the raised error."""

    async def echo(request: web.Request) -> web.StreamResponse:
        body = {"error": {"message": f"bad key {api_key}", "type": "invalid_request_error"}}
        return web.json_response(body, status=401)

    for route in ("anthropic", "openai"):
        async with RawServer(echo) as server:
            provider = _provider(build, route, server)
            with pytest.raises(ProviderError) as info:
                await provider.complete(user("hi"))
            await provider.aclose()
        error = info.value
        assert api_key not in str(error)
        assert api_key not in repr(error)
        assert api_key not in "".join(traceback.format_exception(error))
