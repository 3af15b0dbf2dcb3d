"""Constants and helpers shared by the litellm plugin's tests."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.testing.servers import LoopbackServer

__all__ = [
    "ANTHROPIC_MODEL",
    "MODELS",
    "OPENAI_MODEL",
    "PNG",
    "PROVIDER_ID",
    "WEATHER",
    "Backend",
    "Build",
    "RawServer",
    "Seen",
    "json_answer",
    "sse_answer",
    "user",
]

ANTHROPIC_MODEL = "anthropic/claude-sonnet-4-5"
OPENAI_MODEL = "openai/gpt-4o"
MODELS = {"anthropic": ANTHROPIC_MODEL, "openai": OPENAI_MODEL}
PROVIDER_ID = "llm"
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
# A 1x1 transparent PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

Build = Callable[..., LLMProvider]


@attrs.frozen
class Backend:
    """A loopback server and the LiteLLM model string that reaches it."""

    name: str
    server: LoopbackServer
    model: str


def user(text: str) -> list[LLMMessage]:
    """A conversation of one user message."""
    return [LLMMessage("user", text)]


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


@attrs.define
class Seen:
    """One request a :class:`RawServer` received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class RawServer:
    """A loopback HTTP server whose every answer is written by ``handler``, for the answers
    the loopback servers of orchestify_core cannot give (redirects, non-SSE answers to a
    stream, wrong-shaped JSON); it records every request it receives."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Seen] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def saw_key(self, key: str) -> bool:
        """Whether any request carried ``key`` in a header or its body."""
        return any(
            key in value for seen in self.requests for value in seen.headers.values()
        ) or any(key.encode() in seen.body for seen in self.requests)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(Seen(request.method, request.path, dict(request.headers), body))
        return await self.handler(request)

    async def __aenter__(self) -> RawServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def json_answer(body: object, status: int = 200) -> Handler:
    """A handler answering every request with ``body`` as JSON (or as raw text if a str)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="application/json")
        return web.json_response(body, status=status)

    return handler


def sse_answer(events: list[object]) -> Handler:
    """A handler answering every request with ``events`` as Server-Sent Events (each a
    JSON ``data:`` line; a str is sent as it is), then ``data: [DONE]``."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        for event in events:
            data = event if isinstance(event, str) else json.dumps(event)
            await response.write(f"data: {data}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    return handler
