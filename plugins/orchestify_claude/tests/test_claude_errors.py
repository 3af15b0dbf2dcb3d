"""Every anthropic SDK failure becomes the right orchestify error, with its cause."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anthropic
import pytest
import pytest_asyncio
from orchestify_claude import plugin
from orchestify_claude._options import ClaudeOptions

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CompletionRequest,
    InternalServerError,
    LLMMessage,
    LLMProvider,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderConfig,
    ProviderContext,
    RateLimitError,
    Secret,
    StreamInterruptedError,
)
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (400, BadRequestError, "invalid_request_error"),
        (401, AuthenticationError, "authentication_error"),
        (402, APIError, "billing_error"),
        (403, PermissionDeniedError, "permission_error"),
        (404, NotFoundError, "not_found_error"),
        (413, BadRequestError, "request_too_large"),
        (429, RateLimitError, "rate_limit_error"),
        (500, InternalServerError, "api_error"),
        (504, InternalServerError, "timeout_error"),
        (529, OverloadedError, "overloaded_error"),
    ],
)
async def test_status_errors(
    provider: LLMProvider,
    anthropic_server: AnthropicServer,
    status: int,
    error_class: type[APIError],
    error_type: str,
) -> None:
    """Each error status becomes its core error class, with status, error type and cause."""
    anthropic_server.enqueue(Reply(status=status))
    with pytest.raises(APIError) as info:
        await provider.complete(USER)
    error = info.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.error_type == error_type
    assert isinstance(error.__cause__, anthropic.APIStatusError)
    assert error.__cause__.status_code == status
    assert f"Anthropic API error {status}" in str(error)
    assert "request id req_loopback" in str(error)
    assert (error.provider_id, error.model) == ("claude_main", "claude-haiku-4-5")


@pytest.mark.parametrize(
    ("reply", "retry_after"),
    [
        (Reply(status=429, retry_after=2), 2.0),
        (Reply(status=429, retry_after_ms=1500), 1.5),
        (Reply(status=429, retry_after=30, retry_after_ms=250), 0.25),
        (Reply(status=429), None),
    ],
)
async def test_rate_limit_retry_after(
    provider: LLMProvider,
    anthropic_server: AnthropicServer,
    reply: Reply,
    retry_after: float | None,
) -> None:
    """429: RateLimitError with retry_after from retry-after-ms, else retry-after."""
    anthropic_server.enqueue(reply)
    with pytest.raises(RateLimitError) as info:
        await provider.complete(USER)
    assert info.value.retry_after == retry_after


async def test_overloaded_retry_after(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """529 carries its retry-after too."""
    anthropic_server.enqueue(Reply(status=529, retry_after=3))
    with pytest.raises(OverloadedError) as info:
        await provider.complete(USER)
    assert info.value.retry_after == 3.0


@pytest.mark.parametrize(
    ("status", "header", "should_retry"),
    [(500, "false", False), (400, "true", True), (500, None, None)],
)
async def test_x_should_retry(
    provider: LLMProvider,
    anthropic_server: AnthropicServer,
    status: int,
    header: str | None,
    should_retry: bool | None,
) -> None:
    """The x-should-retry header becomes should_retry."""
    headers = {} if header is None else {"x-should-retry": header}
    anthropic_server.enqueue(Reply(status=status, headers=headers))
    with pytest.raises(APIError) as info:
        await provider.complete(USER)
    assert info.value.should_retry is should_retry


async def test_status_error_opening_a_stream(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A stream refused with 429 raises RateLimitError with retry_after."""
    anthropic_server.enqueue(Reply(status=429, retry_after=1))
    with pytest.raises(RateLimitError) as info:
        async for _ in provider.stream(USER):
            pass
    assert info.value.retry_after == 1.0


async def test_overloaded_event_in_stream(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """An overloaded_error event before any content: OverloadedError with its error type."""
    anthropic_server.enqueue(Reply("never", stream_error_after=2))
    with pytest.raises(OverloadedError) as info:
        async for _ in provider.stream(USER):
            pass
    assert info.value.error_type == "overloaded_error"
    assert isinstance(info.value.__cause__, anthropic.APIStatusError)
    assert "Anthropic stream error (overloaded_error): Overloaded" in str(info.value)


async def test_other_error_event_in_stream(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Any other in-stream error event: an APIError with no status and the event's type."""
    anthropic_server.enqueue(
        Reply("never", stream_error_after=2, error_type="api_error", error_message="Boom")
    )
    with pytest.raises(APIError) as info:
        async for _ in provider.stream(USER):
            pass
    assert type(info.value) is APIError
    assert info.value.status_code is None
    assert info.value.error_type == "api_error"


async def test_error_event_in_stream_is_retried(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """The core retries an in-stream overloaded error that came before any content."""
    provider = make_provider(retry={"max_retries": 1, "initial_delay": 0.01})
    anthropic_server.enqueue(Reply("x", stream_error_after=1), Reply("second"))
    chunks = [chunk async for chunk in provider.stream(USER)]
    assert "".join(chunks) == "second"
    assert len(anthropic_server.requests) == 2


async def test_error_event_after_content(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """An error event after text was delivered: StreamInterruptedError caused by the error."""
    anthropic_server.enqueue(Reply("partial answer", chunk_count=4, stream_error_after=5))
    stream = provider.stream(USER)
    with pytest.raises(StreamInterruptedError) as info:
        async for _ in stream:
            pass
    assert isinstance(info.value.__cause__, OverloadedError)
    assert stream.response is None


async def test_refused_connection(make_provider: MakeProvider) -> None:
    """Nothing listening on the port: APIConnectionError caused by the SDK's."""
    provider = make_provider(base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(APIConnectionError) as info:
        await provider.complete(USER)
    assert not isinstance(info.value, APITimeoutError)
    assert isinstance(info.value.__cause__, anthropic.APIConnectionError)
    with pytest.raises(APIConnectionError):
        async for _ in provider.stream(USER):
            pass


async def test_call_timeout(provider: LLMProvider, anthropic_server: AnthropicServer) -> None:
    """A server that never answers: APITimeoutError, for a completion and for a stream."""
    anthropic_server.enqueue(Reply(hang=True), Reply("stalls", chunk_count=4, hang_after=3))
    with pytest.raises(APITimeoutError):
        await provider.complete(USER, timeout=0.3)
    with pytest.raises((APITimeoutError, StreamInterruptedError)) as info:
        async for _ in provider.stream(USER, timeout=0.3):
            pass
    if isinstance(info.value, StreamInterruptedError):
        assert isinstance(info.value.__cause__, APITimeoutError)


@pytest_asyncio.fixture
async def slow_context(anthropic_server: AnthropicServer) -> AsyncIterator[ProviderContext]:
    """A provider context whose SDK client times out after 0.3 s (hooks called directly)."""
    config = ProviderConfig(
        type="anthropic",
        default_model="claude-haiku-4-5",
        api_key=Secret("sk-ant-test"),
        base_url=anthropic_server.base_url,
        timeout=0.3,
    )
    context = ProviderContext("slow", "anthropic", config, options=ClaudeOptions())
    context.client = plugin.orchestify_create_client(provider=context)
    yield context
    await context.client.close()


def request() -> CompletionRequest:
    return CompletionRequest(messages=tuple(USER), model="claude-haiku-4-5", max_tokens=100)


async def test_sdk_timeout_complete(
    slow_context: ProviderContext, anthropic_server: AnthropicServer
) -> None:
    """The SDK's own timeout becomes APITimeoutError caused by anthropic.APITimeoutError."""
    anthropic_server.enqueue(Reply(hang=True))
    awaitable = plugin.orchestify_complete(provider=slow_context, request=request())
    assert awaitable is not None
    with pytest.raises(APITimeoutError) as info:
        await awaitable
    assert isinstance(info.value.__cause__, anthropic.APITimeoutError)


async def test_sdk_timeout_mid_stream(
    slow_context: ProviderContext, anthropic_server: AnthropicServer
) -> None:
    """A stream that stalls past the SDK's read timeout raises APITimeoutError."""
    anthropic_server.enqueue(Reply("stalls", chunk_count=4, hang_after=3))
    events = plugin.orchestify_stream(provider=slow_context, request=request())
    assert events is not None
    with pytest.raises(APITimeoutError):
        async for _ in events:
            pass


def without_credentials(
    monkeypatch: pytest.MonkeyPatch, home: Path, base_url: str
) -> ProviderConfig:
    """No key in the environment, an empty home directory, and a config without api_key."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE",
                 "ANTHROPIC_CONFIG_DIR", "ANTHROPIC_FEDERATION_RULE_ID"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    return ProviderConfig(type="anthropic", default_model="claude-haiku-4-5", base_url=base_url)


async def test_missing_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, anthropic_server: AnthropicServer
) -> None:
    """No api_key and none in the environment: AuthenticationError naming what to set."""
    config = without_credentials(monkeypatch, tmp_path, anthropic_server.base_url)
    context = ProviderContext("nokey", "anthropic", config, options=ClaudeOptions())
    context.client = plugin.orchestify_create_client(provider=context)
    awaitable = plugin.orchestify_complete(provider=context, request=request())
    assert awaitable is not None
    with pytest.raises(AuthenticationError, match="api_key"):
        await awaitable
    await context.client.close()


def test_unloadable_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, anthropic_server: AnthropicServer
) -> None:
    """A credentials profile the SDK cannot load fails the build with AuthenticationError."""
    config = without_credentials(monkeypatch, tmp_path, anthropic_server.base_url)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(AuthenticationError) as info:
        plugin.orchestify_create_client(provider=ProviderContext("p", "anthropic", config))
    assert isinstance(info.value.__cause__, anthropic.CredentialsError)
