"""aiohttp's low-level server, counting the TCP connections that are open right now.

aiohttp forgets a connection only when its handler task ends, which can be later than the
socket closing; counting in ``connection_made`` / ``connection_lost`` follows the socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

__all__ = ["TrackingServer"]


class TrackingServer(web.Server):
    """A :class:`aiohttp.web.Server` that knows which connections are open.

    Connections that carried a control-API request are marked and left out of
    :attr:`open_count`, so asking a server how many connections it has does not count the
    asking connection.
    """

    def __init__(
        self,
        handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
        *,
        on_change: Callable[[], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, **kwargs)
        self._on_change = on_change
        self._open: set[RequestHandler] = set()
        self._control: set[RequestHandler] = set()
        self.accepted = 0

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        self._open.add(handler)
        self.accepted += 1
        self._on_change()

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        self._open.discard(handler)
        self._control.discard(handler)
        self._on_change()

    def mark_control(self, handler: RequestHandler) -> None:
        """Leave this connection out of :attr:`open_count`."""
        if handler in self._open:
            self._control.add(handler)
            self._on_change()

    @property
    def open_count(self) -> int:
        """Open connections, other than the control-API ones."""
        return len(self._open) - len(self._control)
