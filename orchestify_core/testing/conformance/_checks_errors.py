"""Checks of failures: status errors and their retry hints, refused connections, timeouts,
errors inside a stream."""

from __future__ import annotations

import pytest

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    LLMProvider,
    ProviderError,
    RateLimitError,
)
from orchestify_core.testing.servers import LoopbackServer, Reply

from ._base import SuiteBase, user

__all__ = ["ErrorChecks"]

#: Retries on, with waits short enough not to slow the suite.
QUICK_RETRIES = {"max_retries": 2, "initial_delay": 0.01, "max_delay": 0.01, "jitter": 0.0}


class ErrorChecks(SuiteBase):
    """Every failure reaches the caller as the core's error, with its cause and hints."""

    def _needs_network(self) -> None:
        if not self.claimed.network:
            pytest.skip("the provider reaches no server")

    async def test_rate_limit_carries_retry_after(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """429 becomes RateLimitError with the provider's retry-after."""
        self.script(provider, server, Reply(status=429, retry_after=2))
        with pytest.raises(RateLimitError) as info:
            await provider.complete(user("hi"))
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
        """Error statuses become the core's errors, with the status and a ``__cause__``."""
        self.script(provider, server, Reply(status=status))
        with pytest.raises(error_class) as info:
            await provider.complete(user("hi"))
        assert info.value.status_code == status
        assert info.value.__cause__ is not None
        assert provider.get_usage().outcomes == {"error": 1}

    async def test_should_retry_false_is_honoured(
        self, server: LoopbackServer | None, api_key: str
    ) -> None:
        """``x-should-retry: false`` on a 503 stops the retries; ``true`` on a 400 retries."""
        self._needs_network()
        assert server is not None
        provider = self.build(server.base_url, api_key, retry=QUICK_RETRIES)
        try:
            no_retry = Reply(status=503, headers={"x-should-retry": "false"})
            self.script(provider, server, no_retry, Reply("must not be reached"))
            with pytest.raises(APIError) as info:
                await provider.complete(user("hi"))
            assert info.value.status_code == 503
            assert len(self.generation_requests(server)) == 1
            server.reset()  # drops the unused reply and the record
            retry = Reply(status=400, headers={"x-should-retry": "true"})
            self.script(provider, server, retry, Reply("retried"))
            response = await provider.complete(user("hi"))
            assert (response.content, response.attempts) == ("retried", 2)
        finally:
            await provider.aclose()

    async def test_refused_connection(self, api_key: str) -> None:
        """Nothing listening on the port: APIConnectionError, with its cause."""
        self._needs_network()
        provider = self.build(self.unreachable_base_url(), api_key)
        try:
            with pytest.raises(APIConnectionError) as info:
                await provider.complete(user("hi"))
            assert not isinstance(info.value, APITimeoutError)
            assert info.value.__cause__ is not None
        finally:
            await provider.aclose()

    async def test_timeout(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """A server that never answers: APITimeoutError after the call's timeout."""
        self._needs_network()
        self.script(provider, server, Reply(hang=True), Reply(hang=True))
        with pytest.raises(APITimeoutError):
            await provider.complete(user("hi"), timeout=0.5)
        with pytest.raises(APITimeoutError):
            async for _ in provider.stream(user("hi"), timeout=0.5):
                pass

    async def test_call_timeout_past_config(
        self, server: LoopbackServer | None, api_key: str
    ) -> None:
        """A call's ``timeout=`` longer than the config's reaches the client: a server
        slower than the config's timeout still answers the call (complete and stream)."""
        self._needs_network()
        assert server is not None
        provider = self.build(server.base_url, api_key, timeout=0.3)
        try:
            slow = Reply("late but in time", first_byte_delay=0.8)
            self.script(provider, server, slow, slow)
            response = await provider.complete(user("slow"), timeout=10)
            assert response.content == "late but in time"
            chunks = [c async for c in provider.stream(user("slow"), timeout=10)]
            assert "".join(chunks) == "late but in time"
        finally:
            await provider.aclose()

    async def test_error_inside_stream_is_never_a_success(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """An error event mid-stream raises a ProviderError carrying the server's message
        (in the error or its chain); no final response is produced."""
        message = "conformance: the model fell over mid-stream"
        cut = Reply("a long answer cut short", chunk_count=6, stream_error_after=5,
                    error_message=message)  # fmt: skip
        self.script(provider, server, cut)
        stream = provider.stream(user("hi"))
        with pytest.raises(ProviderError) as info:
            async for _ in stream:
                pass
        assert stream.response is None
        assert provider.get_usage().call_count == 0
        chain = _chain(info.value)
        assert any(message in str(error) for error in chain), [str(e) for e in chain]


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every cause and context below it."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
