"""The HTTP clients a provider hands LiteLLM: one set per event loop, never following a
redirect.

LiteLLM's own clients follow redirects (``AsyncHTTPHandler(follow_redirects=True)``, and
the OpenAI SDK's httpx client with ``follow_redirects=True``), and httpx strips only
``Authorization`` when a redirect leaves the host: Anthropic's ``x-api-key`` (and any
``headers:`` value) would reach whatever host a ``Location`` names. LiteLLM also keeps some
clients process-wide (``module_level_aclient``, used by Anthropic streams), shared by every
event loop, which breaks when two loops use them at once.

So, for the routes below, each call gets a client of this provider made for the running
event loop, with redirects off: a 3xx answer reaches LiteLLM as it is and becomes a
:class:`RedirectError` (see ``_errors``); nothing is sent to another host.

- Anthropic's API (``anthropic/``) and the other routes LiteLLM serves with its generic
  HTTP handler (``HTTP_ROUTES``): a LiteLLM ``AsyncHTTPHandler(follow_redirects=False)``
  (LiteLLM's own transport, TLS and proxy settings).
- OpenAI's API (``openai/``) when the provider has a key: an ``openai.AsyncOpenAI`` with the
  provider's key, endpoint and organization (LiteLLM's defaults otherwise), no retries, over
  LiteLLM's httpx client with ``follow_redirects`` off.

Other routes keep LiteLLM's own clients. The clients of a loop that has closed are
dropped when the next loop's are made; ``aclose`` closes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from typing import Any

from ._routing import Route
from ._settings import CallSettings

__all__ = ["HTTP_ROUTES", "OPENAI_ROUTES", "LoopClients"]

HTTP_ROUTES = frozenset({"anthropic"})
OPENAI_ROUTES = frozenset({"openai"})
_OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"


def _family(route: Route, settings: CallSettings) -> str | None:
    provider = route.custom_llm_provider or route.provider
    if provider in HTTP_ROUTES:
        return "http"
    if provider in OPENAI_ROUTES and settings.api_key:
        return "openai"
    return None


class LoopClients:
    """A provider's HTTP clients, one set per event loop."""

    def __init__(self, litellm: Any, settings: CallSettings) -> None:
        self._litellm = litellm
        self._settings = settings
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
            weakref.WeakKeyDictionary()
        )

    def client_for(self, route: Route) -> Any | None:
        """The client to pass as ``client=`` for ``route`` on the running loop, or None to
        let LiteLLM use its own."""
        family = _family(route, self._settings)
        if family is None:
            return None
        loop = asyncio.get_running_loop()
        clients = self._by_loop.get(loop)
        if clients is None:
            self._drop_closed_loops()
            clients = self._by_loop.setdefault(loop, {})
        client = clients.get(family)
        if client is None:
            client = self._http() if family == "http" else self._openai()
            clients[family] = client
        return client

    def _http(self) -> Any:
        from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

        return AsyncHTTPHandler(
            timeout=self._settings.timeout,
            ssl_verify=self._settings.passthrough.get("ssl_verify"),
            follow_redirects=False,
        )

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
        organization = settings.passthrough.get("organization")
        return openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=base,
            organization=organization if isinstance(organization, str) else None,
            max_retries=0,
            timeout=settings.timeout,
            http_client=http_client,
        )

    def _drop_closed_loops(self) -> None:
        for loop in [loop for loop in self._by_loop if loop.is_closed()]:
            for client in self._by_loop.pop(loop, {}).values():
                _dispose(client)

    async def aclose(self) -> None:
        """Close every client: on the running loop now, on another running loop through
        that loop; the clients of a closed loop are disposed of without a loop."""
        here = asyncio.get_running_loop()
        entries = list(self._by_loop.items())
        self._by_loop.clear()
        for loop, clients in entries:
            for client in clients.values():
                with contextlib.suppress(Exception):
                    if loop is here:
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
