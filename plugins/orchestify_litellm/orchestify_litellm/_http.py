"""The HTTP clients a provider hands LiteLLM (never following a redirect), and the raw
stop reason they see.

(A module of its own, which the plugin template has no slot for: with LiteLLM the SDK's
HTTP clients are LiteLLM's, process-wide and redirect-following, so the plugin makes its
own for the routes below.)

LiteLLM's own clients follow redirects (``AsyncHTTPHandler(follow_redirects=True)``, and
the OpenAI SDK's httpx client with ``follow_redirects=True``), and httpx strips only
``Authorization`` when a redirect leaves the host: Anthropic's ``x-api-key`` (and any
``headers:`` value) would reach whatever host a ``Location`` names. LiteLLM also keeps some
clients process-wide (``module_level_aclient``, used by Anthropic streams), shared by every
event loop, which breaks when two loops use them at once.

So each :class:`~orchestify_litellm._client.LiteLLMClient` (one per provider and event
loop: the core makes one per loop) has its own clients, made on first use, with redirects
off: a 3xx answer reaches LiteLLM as it is and becomes a ``RedirectError`` (see
``_errors``); nothing is sent to another host.

- Anthropic's API (``anthropic/``, ``HTTP_ROUTES``): a LiteLLM
  ``AsyncHTTPHandler(follow_redirects=False)`` (LiteLLM's transport, TLS and proxy settings).
- OpenAI's API (``openai/``) when the provider has a key: an ``openai.AsyncOpenAI`` with the
  provider's key, endpoint and organization, no retries, over LiteLLM's httpx client with
  ``follow_redirects`` off.

Other routes keep LiteLLM's own clients.

**Raw stop reasons.** LiteLLM rewrites a stop reason it does not know to ``stop``, and on
Anthropic's route keeps no trace of the original. The Anthropic client's httpx response hook
reads the backend's ``stop_reason`` from the answer (the body of a completion, the events of
a stream) into the :class:`StopReasonTap` of the call in progress (:func:`tap_stop_reason`),
so an unknown one is reported as it was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

from ._routing import Route

__all__ = ["HTTP_ROUTES", "OPENAI_ROUTES", "HttpClients", "StopReasonTap", "tap_stop_reason"]

HTTP_ROUTES = frozenset({"anthropic"})
OPENAI_ROUTES = frozenset({"openai"})
_OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"
_STOP_REASON = re.compile(rb'"stop_reason"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"')
_TAIL = 128


class StopReasonTap:
    """The last ``stop_reason`` the backend sent during one call (None: none seen)."""

    def __init__(self) -> None:
        self._seen: str | None = None
        self._tail = b""
        self._response: Any = None

    def feed(self, data: bytes) -> None:
        """Scan raw bytes of the answer (a tail is kept for a field cut between chunks)."""
        text = self._tail + data
        for match in _STOP_REASON.finditer(text):
            self._seen = match.group(1).decode("ascii")
        self._tail = text[-_TAIL:]

    def watch(self, response: Any) -> None:
        """Keep a content-encoded response, whose decoded body is scanned when asked."""
        self._response = response

    @property
    def value(self) -> str | None:
        if self._seen is None and self._response is not None:
            with contextlib.suppress(Exception):  # a body not read (a stream): nothing
                self.feed(self._response.content)
            self._response = None
        return self._seen


_tap: ContextVar[StopReasonTap | None] = ContextVar("orchestify_litellm_tap", default=None)


@contextlib.contextmanager
def tap_stop_reason() -> Iterator[StopReasonTap]:
    """A tap for the call made inside the block (in this task)."""
    tap = StopReasonTap()
    _tap.set(tap)
    try:
        yield tap
    finally:
        _tap.set(None)  # not reset(): a stream may be closed from another context


async def _on_response(response: Any) -> None:
    """httpx response hook of the Anthropic client: let the call's tap read the answer."""
    tap = _tap.get()
    if tap is None:
        return
    import httpx

    stream = response.stream
    if response.headers.get("content-encoding", "identity") != "identity":
        tap.watch(response)
    elif isinstance(stream, httpx.AsyncByteStream):
        response.stream = _tapped_stream_class()(stream, tap)


@functools.cache
def _tapped_stream_class() -> type[Any]:
    """An httpx byte stream that shows its bytes to a tap (made late: httpx is imported
    with litellm, not with the plugin)."""
    import httpx

    class TappedStream(httpx.AsyncByteStream):
        def __init__(self, inner: httpx.AsyncByteStream, tap: StopReasonTap) -> None:
            self._inner, self._tap = inner, tap

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._inner:
                self._tap.feed(chunk)
                yield chunk

        async def aclose(self) -> None:
            await self._inner.aclose()

    return TappedStream


def family(route: Route, api_key: str | None) -> str | None:
    """Which of the plugin's clients serves ``route`` (None: LiteLLM's own)."""
    provider = route.custom_llm_provider or route.provider
    if provider in HTTP_ROUTES:
        return "http"
    if provider in OPENAI_ROUTES and api_key:
        return "openai"
    return None


class HttpClients:
    """One provider's redirect-free HTTP clients for one event loop, made on first use."""

    def __init__(self, litellm: Any, settings: Any) -> None:
        self._litellm = litellm
        self._settings = settings
        self._clients: dict[str, Any] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def client_for(self, route: Route) -> Any | None:
        """The client to pass as ``client=`` for ``route``, or None to let LiteLLM use its
        own."""
        kind = family(route, self._settings.api_key)
        if kind is None:
            return None
        client = self._clients.get(kind)
        if client is None:
            self.loop = asyncio.get_running_loop()
            client = self._http() if kind == "http" else self._openai()
            self._clients[kind] = client
        return client

    def _http(self) -> Any:
        from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

        handler = AsyncHTTPHandler(
            ssl_verify=self._settings.options.params.get("ssl_verify"),
            follow_redirects=False,
        )
        handler.client.event_hooks["response"].append(_on_response)
        return handler

    def _openai(self) -> Any:
        import httpx
        import openai

        http_client: Any = None
        with contextlib.suppress(Exception):
            from litellm.llms.openai.openai import OpenAIChatCompletion

            http_client = OpenAIChatCompletion._get_async_http_client()
        if not isinstance(http_client, httpx.AsyncClient):
            http_client = httpx.AsyncClient()
        http_client.follow_redirects = False
        settings = self._settings
        base = (
            settings.api_base
            or getattr(self._litellm, "api_base", None)
            or os.environ.get("OPENAI_BASE_URL")
            or os.environ.get("OPENAI_API_BASE")
            or _OPENAI_DEFAULT_BASE
        )
        return openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=base,
            organization=settings.organization,
            max_retries=0,
            http_client=http_client,
        )

    @property
    def loop_closed(self) -> bool:
        """Whether the loop these clients were made on has closed."""
        return self.loop is not None and self.loop.is_closed()

    def dispose(self) -> None:
        """Release the clients of a closed loop, without a loop."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            _dispose(client)

    async def aclose(self) -> None:
        """Close the clients: on this loop now, on another running loop through that loop;
        the clients of a closed loop are disposed of without a loop."""
        clients, self._clients = list(self._clients.values()), {}
        loop = self.loop
        for client in clients:
            with contextlib.suppress(Exception):
                if loop is None or loop is asyncio.get_running_loop():
                    await _close(client)
                elif loop.is_running() and not loop.is_closed():
                    asyncio.run_coroutine_threadsafe(_close(client), loop)
                else:
                    _dispose(client)


async def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        await close()


def _dispose(client: Any) -> None:
    """Release a client whose loop is gone, without that loop (LiteLLM's aiohttp transport
    knows how to retire a session of a closed loop)."""
    with contextlib.suppress(Exception):
        httpx_client = getattr(client, "_client", None)
        transport = getattr(httpx_client, "_transport", None)
        session = getattr(transport, "client", None)
        retire = getattr(transport, "_close_recycled_session", None)
        if retire is not None and session is not None:
            retire(session)
