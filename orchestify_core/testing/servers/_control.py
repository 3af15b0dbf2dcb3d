"""The control API of a loopback server: a test in another process scripts replies, reads
the recorded requests and resets the server over HTTP, under ``/_loopback/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._script import reply_from_dict, reply_to_dict

if TYPE_CHECKING:
    from ._base import LoopbackServer

__all__ = ["CONTROL_PREFIX", "ControlAPI"]

CONTROL_PREFIX = "/_loopback/"


class ControlAPI:
    """The ``/_loopback/`` routes of one :class:`~._base.LoopbackServer`."""

    def __init__(self, server: LoopbackServer) -> None:
        self._server = server
        self._routes: dict[tuple[str, str], Callable[[Any], object]] = {
            ("POST", CONTROL_PREFIX + "enqueue"): self._enqueue,
            ("GET", CONTROL_PREFIX + "requests"): self._requests,
            ("POST", CONTROL_PREFIX + "reset"): self._reset,
            ("GET", CONTROL_PREFIX + "state"): self._state,
            ("POST", CONTROL_PREFIX + "find_secret"): self._find_secret,
        }

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Answer a control request (a JSON body in, a JSON answer out; 400 on bad input)."""
        route = self._routes.get((request.method, request.path))
        if route is None:
            return web.json_response({"error": f"no control route {request.path}"}, status=404)
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        try:
            return web.json_response(route(body))
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)

    def _enqueue(self, body: Any) -> object:
        items = body if isinstance(body, list) else [body]
        self._server.enqueue(*[reply_from_dict(item) for item in items])
        return {"pending": self._server.pending}

    def _requests(self, _body: Any) -> object:
        return [recorded.to_dict() for recorded in self._server.requests]

    def _reset(self, _body: Any) -> object:
        self._server.reset()
        return {"pending": 0}

    def _state(self, _body: Any) -> object:
        server = self._server
        return {
            "provider": server.provider,
            "base_url": server.base_url,
            "pending": server.pending,
            "pending_replies": [reply_to_dict(reply) for reply in server.pending_replies()],
            "requests": len(server.requests),
            "requests_received": server.requests_received,
            "open_connections": server.open_connections,
            "connections_accepted": server.connections_accepted,
        }

    def _find_secret(self, body: Any) -> object:
        if not isinstance(body, dict) or not isinstance(body.get("secret"), str):
            raise ValueError('expected {"secret": "..."}')
        return {"places": self._server.find_secret(body["secret"])}
