"""LiteLLM's exceptions -> the core's errors, over real sockets on both backends."""

from __future__ import annotations

import socket
import traceback

import pytest
from aiohttp import web
from litellm_support import ANTHROPIC_MODEL, Backend, Build, RawServer, user
from orchestify_litellm._errors import RedirectError

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    LLMProvider,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    StreamInterruptedError,
)
from orchestify_core.plugin import is_retryable
from orchestify_core.testing.servers import AnthropicServer, OpenAIServer, Reply


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_rate_limit_retry_after(provider: LLMProvider, backend: Backend) -> None:
    """429 is a RateLimitError with retry_after from retry-after, and its cause kept."""
    backend.server.enqueue(Reply(status=429, retry_after=3))
    with pytest.raises(RateLimitError) as info:
        await provider.complete(user("hi"))
    assert info.value.status_code == 429
    assert info.value.retry_after == 3
    assert info.value.__cause__ is not None
    assert type(info.value.__cause__).__module__.startswith("litellm")


async def test_rate_limit_retry_after_ms_in_a_stream(
    provider: LLMProvider, backend: Backend
) -> None:
    """A stream refused with 429 carries retry-after-ms as retry_after in seconds."""
    backend.server.enqueue(Reply(status=429, retry_after_ms=1500))
    with pytest.raises(RateLimitError) as info:
        async for _ in provider.stream(user("hi")):
            pass
    assert info.value.retry_after == 1.5


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (500, InternalServerError),
        (503, InternalServerError),
        (529, OverloadedError),
    ],
)
async def test_status_errors(
    provider: LLMProvider, backend: Backend, status: int, error_class: type[APIError]
) -> None:
    """Each error status maps to the core's class and status, sent once (no LiteLLM retry)."""
    backend.server.enqueue(Reply(status=status))
    with pytest.raises(error_class) as info:
        await provider.complete(user("hi"))
    assert info.value.status_code == status
    assert len(backend.server.requests) == 1
    assert provider.get_usage().outcomes == {"error": 1}


async def test_should_retry_header(provider: LLMProvider, backend: Backend) -> None:
    """x-should-retry: false is kept as should_retry."""
    backend.server.enqueue(Reply(status=500, headers={"x-should-retry": "false"}))
    with pytest.raises(InternalServerError) as info:
        await provider.complete(user("hi"))
    assert info.value.should_retry is False


async def test_core_retries_once_per_attempt(backend: Backend, build: Build) -> None:
    """With retries configured, the core (not LiteLLM) retries: one request per attempt."""
    provider = build(
        backend.model,
        backend.server.base_url,
        retry={"max_retries": 2, "initial_delay": 0, "jitter": 0},
    )
    backend.server.enqueue(Reply(status=500), Reply(status=429), Reply("third time"))
    response = await provider.complete(user("hi"))
    assert response.content == "third time"
    assert response.attempts == 3
    assert len(backend.server.requests) == 3


async def test_refused_connection(backend: Backend, build: Build) -> None:
    """Nothing listening: APIConnectionError (LiteLLM reports it as a 500)."""
    base = f"http://127.0.0.1:{_free_port()}" + ("/v1" if backend.name == "openai" else "")
    provider = build(backend.model, base)
    with pytest.raises(APIConnectionError) as info:
        await provider.complete(user("hi"))
    assert not isinstance(info.value, APITimeoutError)
    with pytest.raises(APIConnectionError):
        async for _ in provider.stream(user("hi")):
            pass


async def test_timeout(backend: Backend, build: Build) -> None:
    """A server that never answers: APITimeoutError, in a completion and in a stream."""
    provider = build(backend.model, backend.server.base_url, timeout=0.5)
    backend.server.enqueue(Reply(hang=True), Reply(hang=True))
    with pytest.raises(APITimeoutError):
        await provider.complete(user("hi"))
    with pytest.raises(APITimeoutError):
        async for _ in provider.stream(user("hi")):
            pass


async def test_stream_cut_short(provider: LLMProvider, backend: Backend) -> None:
    """A stream dropped midway raises StreamInterruptedError and is accounted as truncated."""
    backend.server.enqueue(
        Reply("alpha beta gamma delta epsilon", chunk_count=5, input_tokens=33, drop_after=5)
    )
    chunks: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in provider.stream(user("hi")):
            chunks.append(chunk)
    assert chunks
    assert info.value.partial_text == "".join(chunks)
    assert isinstance(info.value.__cause__, APIConnectionError)
    usage = provider.get_usage()
    assert usage.outcomes == {"truncated": 1}
    assert usage.estimated_attempts == 1
    assert usage.call_count == 0
    if backend.name == "anthropic":
        assert usage.total_input == 33


async def test_error_event_before_any_text_is_retried(backend: Backend, build: Build) -> None:
    """An error inside a stream before any content is retryable: the next attempt answers."""
    provider = build(
        backend.model, backend.server.base_url, retry={"max_retries": 1, "initial_delay": 0}
    )
    backend.server.enqueue(Reply("never", stream_error_after=1), Reply("second"))
    chunks = [chunk async for chunk in provider.stream(user("hi"))]
    assert "".join(chunks) == "second"
    assert provider.get_usage().attempts == 2


async def test_anthropic_overloaded_in_stream(
    anthropic_server: AnthropicServer, build: Build
) -> None:
    """Anthropic's overloaded_error inside a stream is an OverloadedError."""
    provider = build("anthropic/claude-sonnet-4-5", anthropic_server.base_url)
    anthropic_server.enqueue(Reply("x", stream_error_after=0))
    with pytest.raises(OverloadedError):
        async for _ in provider.stream(user("hi")):
            pass


async def test_context_window_exceeded(openai_server: OpenAIServer, build: Build) -> None:
    """LiteLLM's ContextWindowExceededError is a BadRequestError (not retried)."""
    provider = build("openai/gpt-4o", openai_server.base_url)
    openai_server.enqueue(
        Reply(
            status=400,
            error_code="context_length_exceeded",
            error_message="This model's maximum context length is 128000 tokens.",
        )
    )
    with pytest.raises(BadRequestError) as info:
        await provider.complete(user("hi"))
    assert type(info.value.__cause__).__name__ == "ContextWindowExceededError"


async def test_key_from_the_environment_is_scrubbed(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an api_key, LiteLLM reads the backend's key from the environment; a server
    echoing that key back shows it in no error nor its formatted chain (the plugin names
    it to the core, which scrubs)."""
    env_key = "sk-ant-abcdefghijkl-from-env"
    monkeypatch.setenv("ANTHROPIC_API_KEY", env_key)

    async def echo(request: web.Request) -> web.StreamResponse:
        body = {"error": {"type": "authentication_error", "message": f"bad key {env_key}"}}
        return web.json_response(body, status=401)

    async with RawServer(echo) as server:
        provider = build(ANTHROPIC_MODEL, server.base_url, api_key=None)
        with pytest.raises(AuthenticationError) as info:
            await provider.complete(user("hi"))
        await provider.aclose()
    assert server.saw_key(env_key)  # LiteLLM did send the environment's key
    text = "".join(traceback.format_exception(info.value))
    assert env_key not in text
    assert "abcdefghijkl" not in text


def test_redirect_error_is_an_api_error() -> None:
    """RedirectError is the core's APIError (typed, with a status), not retried."""
    error = RedirectError("moved", status_code=302, should_retry=False)
    assert isinstance(error, APIError)
    assert not is_retryable(error)


async def test_per_call_timeout_reaches_the_http_request(backend: Backend, build: Build) -> None:
    """A provider whose config timeout is 1 s answers a call with timeout=4 whose server
    takes about 2 s: the call's timeout reaches LiteLLM's HTTP request."""
    provider = build(backend.model, backend.server.base_url, timeout=1.0)
    backend.server.enqueue(
        Reply("slow", first_byte_delay=2.0), Reply("slow too", first_byte_delay=2.0)
    )
    response = await provider.complete(user("hi"), timeout=4)
    assert response.content == "slow"
    chunks = [c async for c in provider.stream(user("hi"), timeout=4)]
    assert "".join(chunks) == "slow too"
    await provider.aclose()
