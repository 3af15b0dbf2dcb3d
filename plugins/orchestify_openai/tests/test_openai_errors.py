"""Every openai SDK failure becomes the core's error, over a real socket."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    LLMMessage,
    LLMProvider,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    StreamInterruptedError,
)
from orchestify_core.plugin import scrub
from orchestify_core.retry import is_retryable
from orchestify_core.testing.servers import OpenAIServer, Reply

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIError),
        (413, BadRequestError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (529, OverloadedError),
    ],
)
async def test_status_errors(
    provider: LLMProvider, openai_server: OpenAIServer, status: int, error_class: type[APIError]
) -> None:
    """Each error status becomes its core error class, with status, type and SDK cause."""
    import openai

    openai_server.enqueue(Reply(status=status))
    with pytest.raises(error_class) as info:
        await provider.complete(USER)
    error = info.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.error_type
    assert f"OpenAI API error {status}" in str(error)
    assert isinstance(error.__cause__, openai.APIStatusError)
    assert error.provider_id == "gpt"
    assert error.model == "gpt-4o-mini"


async def test_rate_limit_carries_retry_after(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """429 with retry-after (and retry-after-ms, which wins) sets retry_after in seconds."""
    openai_server.enqueue(Reply(status=429, retry_after=7), Reply(status=429, retry_after_ms=1500))
    with pytest.raises(RateLimitError) as info:
        await provider.complete(USER)
    assert info.value.retry_after == 7
    assert info.value.error_type == "requests"
    assert "rate_limit_exceeded" in str(info.value)
    with pytest.raises(RateLimitError) as info:
        await provider.complete(USER)
    assert info.value.retry_after == 1.5


async def test_rate_limit_is_retried_by_the_core_after_retry_after(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """The core's retry loop (not the SDK's) retries a 429 and then succeeds."""
    provider = make_provider(retry={"max_retries": 1})
    openai_server.enqueue(Reply(status=429, retry_after_ms=10), Reply("ok"))
    response = await provider.complete(USER)
    assert response.content == "ok"
    assert response.attempts == 2
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize(("header", "verdict"), [("true", True), ("false", False)])
async def test_x_should_retry_is_read(
    provider: LLMProvider, openai_server: OpenAIServer, header: str, verdict: bool
) -> None:
    """x-should-retry sets should_retry, which overrides the status's default."""
    status = 400 if verdict else 503
    openai_server.enqueue(Reply(status=status, headers={"x-should-retry": header}))
    with pytest.raises(APIError) as info:
        await provider.complete(USER)
    assert info.value.should_retry is verdict
    assert is_retryable(info.value) is verdict


async def test_refused_connection(make_provider: MakeProvider) -> None:
    """Nothing listening: APIConnectionError, caused by the SDK's connection error."""
    import openai

    provider = make_provider(base_url=f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(APIConnectionError) as info:
        await provider.complete(USER)
    assert type(info.value) is APIConnectionError
    assert isinstance(info.value.__cause__, openai.APIConnectionError)
    with pytest.raises(APIConnectionError):
        async for _ in provider.stream(USER):
            pass
    assert is_retryable(info.value)


async def test_sdk_timeout_becomes_api_timeout_error(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """The SDK's own timeout firing gives APITimeoutError from the SDK's.

    The SDK's request timeout is the call's (request.timeout), so the SDK cuts first only
    when told a shorter one: here through extra, which is applied last.
    """
    import openai

    provider = make_provider(timeout=0.3)
    openai_server.enqueue(Reply(hang=True))
    with pytest.raises(APITimeoutError) as info:
        await provider.complete(USER, timeout=5, extra={"timeout": 0.3})
    assert isinstance(info.value.__cause__, openai.APITimeoutError)


async def test_call_timeout_longer_than_the_config_reaches_the_sdk(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A call's timeout=4 under a config timeout of 1: a server taking 2 s is waited for,
    for complete and stream (the SDK's read timeout is the call's, not the config's)."""
    provider = make_provider(timeout=1)
    openai_server.enqueue(
        Reply("slow but whole", first_byte_delay=2),
        Reply("slow stream", first_byte_delay=2, chunk_count=2),
    )
    response = await provider.complete(USER, timeout=4)
    assert response.content == "slow but whole"
    chunks = [chunk async for chunk in provider.stream(USER, timeout=4)]
    assert "".join(chunks) == "slow stream"
    assert all("timeout" not in r.body for r in openai_server.requests if r.body)


async def test_call_timeout_on_complete_and_stream(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """A call's timeout shorter than the client's: APITimeoutError for complete and stream."""
    openai_server.enqueue(Reply(hang=True), Reply(hang=True))
    with pytest.raises(APITimeoutError):
        await provider.complete(USER, timeout=0.3)
    with pytest.raises(APITimeoutError):
        async for _ in provider.stream(USER, timeout=0.3):
            pass
    await openai_server.wait_for_connections(0, within=5)


async def test_error_inside_a_stream(provider: LLMProvider, openai_server: OpenAIServer) -> None:
    """An error payload mid-stream becomes APIError with the payload's type, never a success."""
    openai_server.enqueue(
        Reply("partial answer text", chunk_count=6, stream_error_after=1,
              error_type="server_error", error_message="The model crashed.")
    )  # fmt: skip
    stream = provider.stream(USER)
    with pytest.raises(APIError) as info:
        async for _ in stream:
            pass
    error = info.value
    assert error.status_code is None
    assert error.error_type == "server_error"
    assert "The model crashed." in str(error)
    assert is_retryable(error)
    assert stream.response is None


async def test_error_inside_a_stream_after_text(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """An in-stream error after text was delivered: StreamInterruptedError caused by APIError."""
    openai_server.enqueue(Reply("partial answer text", chunk_count=6, stream_error_after=4))
    with pytest.raises(StreamInterruptedError) as info:
        async for _ in provider.stream(USER):
            pass
    assert isinstance(info.value.__cause__, APIError)
    assert info.value.partial_text


async def test_health_check_reports_failure(
    make_provider: MakeProvider, openai_server: OpenAIServer
) -> None:
    """A health check against a server refusing the key reports not ok, naming the error."""
    provider = make_provider(api_key="sk-wrong-key-000000000")
    openai_server.api_key = "sk-the-right-key"
    status = await provider.health_check()
    assert not status.ok
    assert "AuthenticationError" in status.detail
    assert "sk-wrong-key" not in status.detail


def test_secrets_are_masked_by_the_cores_scrub() -> None:
    """The plugin has no scrubber of its own: the core's masks the provider's secrets.

    (The plugin's former redact() also masked any text shaped like an OpenAI key; the core
    masks the keys the provider actually holds, see the echo tests below.)
    """
    assert scrub("token=my-secret-value", ["my-secret-value"]) == "token=**********"


async def test_server_message_echoing_the_key_is_masked(
    provider: LLMProvider, openai_server: OpenAIServer, api_key: str
) -> None:
    """An error message quoting the key does not carry it into the core error."""
    openai_server.enqueue(Reply(status=401, error_message=f"Incorrect API key provided: {api_key}"))
    with pytest.raises(ProviderError) as info:
        await provider.complete(USER)
    assert api_key not in str(info.value)
    assert "Incorrect API key provided" in str(info.value)


async def test_status_error_at_stream_start(
    provider: LLMProvider, openai_server: OpenAIServer
) -> None:
    """A stream refused with a status (429 here) raises the same error as a completion."""
    openai_server.enqueue(Reply(status=429, retry_after=3))
    with pytest.raises(RateLimitError) as info:
        async for _ in provider.stream(USER):
            pass
    assert info.value.retry_after == 3
    assert provider.get_usage().outcomes == {"error": 1}
