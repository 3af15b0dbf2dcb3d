"""Checks of the connections at the server, cancellation, and the key."""

from __future__ import annotations

import logging
import traceback

import pytest

from orchestify_core import AuthenticationError, LLMProvider
from orchestify_core.testing.servers import LoopbackServer, Reply

from ._base import PROVIDER_ID, SuiteBase, user

__all__ = ["ConnectionChecks"]

SEQUENTIAL_CALLS = 3


class ConnectionChecks(SuiteBase):
    """Pooled connections, ``aclose()``, a stream left early, and the API key."""

    def _server(self, server: LoopbackServer | None) -> LoopbackServer:
        if server is None or not self.claimed.network:
            pytest.skip("the provider reaches no server")
        return server

    async def test_connections_are_reused(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Calls and streams one after another share one pooled connection: each answer,
        streams included, is read to its end so its connection goes back to the pool."""
        server = self._server(server)
        replies = [Reply(f"call {n}") for n in range(SEQUENTIAL_CALLS)]
        streams = [Reply(f"stream {n} of many", chunk_count=3) for n in range(SEQUENTIAL_CALLS)]
        self.script(provider, server, *replies, *streams)
        for n in range(SEQUENTIAL_CALLS):
            assert (await provider.complete(user("again"))).content == f"call {n}"
        for n in range(SEQUENTIAL_CALLS):
            chunks = [c async for c in provider.stream(user("again"))]
            assert "".join(chunks) == f"stream {n} of many"
        assert server.connections_accepted == 1, (
            f"{2 * SEQUENTIAL_CALLS} sequential requests opened "
            f"{server.connections_accepted} connections"
        )

    async def test_aclose_closes_connections(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """After ``aclose()`` the server sees no open connection from the provider."""
        server = self._server(server)
        self.script(provider, server, Reply("pooled"), Reply("pooled too", chunk_count=2))
        await provider.complete(user("open one"))
        async for _ in provider.stream(user("open one")):
            pass
        assert server.open_connections >= 1
        await provider.aclose()
        await server.wait_for_connections(0, within=5)

    async def test_stream_cancelled_midway(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Leaving a stream early accounts its usage and closes its connection."""
        self.script(
            provider,
            server,
            Reply("word " * 40, chunk_count=40, event_delay=0.01, input_tokens=33),
        )
        async with provider.stream(user("long")) as stream:
            async for _ in stream:
                break
        usage = provider.get_usage()
        assert usage.attempts == 1
        assert usage.outcomes == {"cancelled": 1}
        assert usage.estimated_attempts == 1  # the output tokens, at least, are estimated
        if self.claimed.early_input_usage:
            assert usage.total_input == 33
        else:
            assert usage.total_input > 0
        if server is not None:
            await server.wait_for_connections(0, within=5)

    async def test_key_never_leaks(
        self, server: LoopbackServer | None, api_key: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The key is in no log record (DEBUG everywhere, from the registry's build on),
        repr, error, or header other than its own."""
        caplog.set_level(logging.DEBUG)
        registry = self.build_registry(self.base_url_of(server), api_key)
        try:
            await self._use_with_key(registry.get(PROVIDER_ID), server, api_key, caplog)
        finally:
            await registry.aclose()
        assert [r.getMessage() for r in caplog.records if api_key in r.getMessage()] == []

    async def _use_with_key(
        self,
        provider: LLMProvider,
        server: LoopbackServer | None,
        api_key: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        self.script(provider, server, Reply("ok"), Reply("ok", chunk_count=2), Reply(status=401))
        texts = [repr(provider), repr(provider.config), repr(provider.get_usage())]
        response = await provider.complete(user("hi"))
        texts.append(repr(response))
        texts += [chunk async for chunk in provider.stream(user("hi"))]
        with pytest.raises(AuthenticationError) as info:
            await provider.complete(user("hi"))
        texts += [str(info.value), repr(info.value)]
        texts.append("".join(traceback.format_exception(info.value)))
        texts += [record.getMessage() for record in caplog.records]
        texts += [repr(record.args) for record in caplog.records]
        assert [t for t in texts if api_key in t] == []
        if server is not None:
            assert server.find_secret(api_key) == []
