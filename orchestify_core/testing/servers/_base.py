"""The provider-neutral part of a loopback server: lifecycle, dispatch, scripting, faults.

Subclasses add the provider's routes and renderers. The server runs on aiohttp's low-level
:class:`aiohttp.web.Server` with a dict of routes, no middleware and no access log, so it
costs little per request and a benchmark measures the client rather than the server.
"""

from __future__ import annotations

import abc
import asyncio
import itertools
import json
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Self

import attrs
from aiohttp import web

from ._connections import TrackingServer
from ._control import CONTROL_PREFIX, ControlAPI
from ._faults import echoed_key_message, fault_body, spoil
from ._recording import RecordedRequest, find_secret
from ._script import Reply, coerce_reply, reply_from_dict
from ._turn import Turn, resolve
from ._wire import dumps

__all__ = ["REPLY_HEADER", "InvalidRequest", "LoopbackServer", "Route"]

REPLY_HEADER = "x-loopback-reply"
"""A request header holding one reply as JSON; it answers that request and leaves the queue."""

Route = Callable[[web.BaseRequest, dict[str, Any]], Awaitable[web.StreamResponse]]

_FLUSH_POLLS = 1000

_DEFAULT_REPLY = Reply()
"""Shared by every unscripted request (a reply is immutable), saving a construction each."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class InvalidRequest(Exception):
    """A request the real API would refuse with a 400; the message goes to the client."""


class LoopbackServer(abc.ABC):
    """A local HTTP server that answers like a provider's API, for tests and benchmarks.

    Use it as ``async with Server() as server:``; ``server.base_url`` is what the provider's
    SDK takes as its base URL. Replies are scripted with :meth:`enqueue`; without a script
    the server answers every request with an echo of the last user message.

    ``api_key``: when given, requests without it in the provider's auth header get a 401.
    ``models``: the ids listed by ``GET /v1/models``.
    ``record_limit``: the recorded requests are trimmed back to the newest ``record_limit``
    whenever there are a tenth more, so a long benchmark does not grow without bound;
    ``None`` keeps all, ``0`` records none. :attr:`requests_received` counts them all.
    """

    provider: ClassVar[str]
    api_prefix: ClassVar[str] = ""
    request_id_header: ClassVar[str] = "x-request-id"
    default_models: ClassVar[tuple[str, ...]] = ()
    json_content_type: ClassVar[str] = "application/json"
    sse_content_type: ClassVar[str] = "text/event-stream; charset=utf-8"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        models: Sequence[str] | None = None,
        record_limit: int | None = 10_000,
        keepalive_timeout: float = 75.0,
        shutdown_timeout: float = 1.0,
    ) -> None:
        if record_limit is not None and record_limit < 0:
            raise ValueError(f"record_limit must be None or at least 0, got {record_limit}")
        self.host = host
        self.api_key = api_key
        self.models: tuple[str, ...] = tuple(models) if models is not None else self.default_models
        self.requests: list[RecordedRequest] = []
        self.requests_received = 0
        self._record_limit = record_limit
        self._requested_port = port
        self._port: int | None = None
        self._keepalive_timeout = keepalive_timeout
        self._shutdown_timeout = shutdown_timeout
        self._replies: deque[Reply] = deque()
        self._serial = itertools.count(1)
        self._runner: web.ServerRunner | None = None
        self._web_server: TrackingServer | None = None
        self._closing: asyncio.Event | None = None
        self._connections_changed = asyncio.Event()
        self._routes: dict[tuple[str, str], Route] = dict(self.routes())
        self._control_api = ControlAPI(self)

    # ------------------------------------------------------------------ provider hooks

    @abc.abstractmethod
    def routes(self) -> Mapping[tuple[str, str], Route]:
        """``{(method, path): handler}`` for the provider's endpoints."""

    def dynamic_route(self, method: str, path: str) -> Route | None:
        """The handler of a path with an id in it (``/v1/files/{id}``), or None.

        Consulted only when :meth:`routes` has no handler for ``(method, path)``.
        """
        return None

    @abc.abstractmethod
    def is_auth_header(self, name: str, value: str, secret: str) -> bool:
        """Whether header ``name: value`` is the provider's proper place for key ``secret``."""

    @abc.abstractmethod
    def error_body(
        self, status: int, message: str | None, reply: Reply | None, request_id: str
    ) -> bytes:
        """The provider's JSON error body for an HTTP error ``status``."""

    @abc.abstractmethod
    def stream_error_event(self, reply: Reply) -> bytes:
        """The SSE event a provider sends when a stream fails after it started."""

    @abc.abstractmethod
    def render_message(self, turn: Turn, serial: int, body: dict[str, Any]) -> bytes:
        """The non-streaming JSON answer."""

    @abc.abstractmethod
    def render_events(self, turn: Turn, serial: int, body: dict[str, Any]) -> list[bytes]:
        """The SSE events of a streamed answer, terminator included."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        self._closing = asyncio.Event()
        self._connections_changed = asyncio.Event()
        self._web_server = TrackingServer(
            self._dispatch,
            on_change=self._connections_changed.set,
            handler_cancellation=True,
            access_log=None,
            keepalive_timeout=self._keepalive_timeout,
        )
        runner = web.ServerRunner(self._web_server, shutdown_timeout=self._shutdown_timeout)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and close every connection; streams in flight are cut."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._closing is not None:
            self._closing.set()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """``http://host:port``, without the API prefix."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL the provider's SDK expects."""
        return self.root_url + self.api_prefix

    # ------------------------------------------------------------------ scripting

    def enqueue(self, *replies: Reply | Mapping[str, Any]) -> None:
        """Queue replies; each generation request takes the oldest one."""
        self._replies.extend(coerce_reply(reply) for reply in replies)

    def pending_replies(self) -> list[Reply]:
        """The queued replies, oldest first (a copy)."""
        return list(self._replies)

    @property
    def pending(self) -> int:
        """Replies queued and not yet used."""
        return len(self._replies)

    def reset(self) -> None:
        """Forget the queued replies and the recorded requests."""
        self._replies.clear()
        self.requests.clear()

    def take_reply(self, request: web.BaseRequest) -> Reply:
        """The reply for this request: its reply header, else the queue, else the default."""
        header = request.headers.get(REPLY_HEADER)
        if header is not None:
            try:
                return reply_from_dict(json.loads(header))
            except ValueError as exc:
                raise InvalidRequest(f"bad {REPLY_HEADER} header: {exc}") from None
        if self._replies:
            return self._replies.popleft()
        return _DEFAULT_REPLY

    def take_queued_reply(self) -> Reply:
        """The oldest queued reply, else the default: for an answer that has no HTTP request
        of its own (an item of a batch)."""
        return self._replies.popleft() if self._replies else _DEFAULT_REPLY

    # ------------------------------------------------------------------ inspection

    @property
    def open_connections(self) -> int:
        """TCP connections open right now (control-API connections excluded)."""
        return self._web_server.open_count if self._web_server is not None else 0

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since the server started."""
        return self._web_server.accepted if self._web_server is not None else 0

    async def wait_for_connections(self, count: int = 0, *, within: float = 5.0) -> None:
        """Wait until exactly ``count`` connections are open; TimeoutError after ``within`` s."""
        try:
            async with asyncio.timeout(within):
                while self.open_connections != count:
                    self._connections_changed.clear()
                    await self._connections_changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"{self.open_connections} connections open after {within}s, expected {count}"
            ) from None

    def find_secret(self, secret: str) -> list[str]:
        """Every place ``secret`` appeared in a recorded request outside the auth header."""
        return find_secret(self.requests, secret, self.is_auth_header)

    # ------------------------------------------------------------------ responses

    def new_serial(self) -> int:
        return next(self._serial)

    def json_response(
        self,
        payload: bytes | str | object,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        serial: int | None = None,
    ) -> web.Response:
        """A JSON response carrying the provider's request-id header."""
        if isinstance(payload, bytes):
            body = payload
        elif isinstance(payload, str):
            body = payload.encode()
        else:
            body = dumps(payload).encode()
        all_headers = {
            "Content-Type": self.json_content_type,
            self.request_id_header: self.request_id(
                serial if serial is not None else self.new_serial()
            ),
        }
        if headers:
            all_headers.update(headers)
        return web.Response(body=body, status=status, headers=all_headers)

    def error_response(
        self,
        status: int,
        message: str | None = None,
        *,
        reply: Reply | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """The provider's error response; its body and header carry the same request id."""
        serial = self.new_serial()
        body = self.error_body(status, message, reply, self.request_id(serial))
        return self.json_response(body, status=status, headers=headers, serial=serial)

    def request_id(self, serial: int) -> str:
        return f"req_loopback{serial:08d}"

    # ------------------------------------------------------------------ dispatch

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            assert self._web_server is not None
            self._web_server.mark_control(request.protocol)
            return await self._control_api.handle(request)
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        self.requests_received += 1
        if self._record_limit != 0:
            self._record(
                RecordedRequest(
                    method=request.method,
                    path=path,
                    query=request.query_string,
                    headers=_header_dict(request),
                    body=body,
                    raw_body=raw,
                )
            )
        route = self._routes.get((request.method, path)) or self.dynamic_route(request.method, path)
        if route is None:
            return self.error_response(404, f"Not found: {request.method} {path}")
        if self.api_key is not None and not self._authorized(request):
            return self.error_response(401)
        # A file upload's route reads the form itself from ``await request.read()``.
        if raw and not isinstance(body, dict) and request.content_type != "multipart/form-data":
            return self.error_response(400, "The request body is not a JSON object.")
        try:
            return await route(request, body if isinstance(body, dict) else {})
        except InvalidRequest as exc:
            return self.error_response(400, str(exc))

    def _record(self, recorded: RecordedRequest) -> None:
        self.requests.append(recorded)
        limit = self._record_limit
        # Trimming in batches keeps the cost of a full list off every request.
        if limit is not None and len(self.requests) > limit + max(1, limit // 10):
            del self.requests[:-limit]

    def _authorized(self, request: web.BaseRequest) -> bool:
        assert self.api_key is not None
        return any(
            self.is_auth_header(name.lower(), value, self.api_key)
            for name, value in request.headers.items()
        )

    async def generate(
        self, request: web.BaseRequest, body: dict[str, Any], *, stream: bool
    ) -> web.StreamResponse:
        """Answer a generation request with the next scripted reply, faults included."""
        reply = self.take_reply(request)
        serial = self.new_serial()
        headers = reply.response_headers()
        if reply.first_byte_delay:
            await asyncio.sleep(reply.first_byte_delay)
        if reply.hang:
            await self._hang()
            return await self._drop(request)
        if reply.drop_after is not None and (not stream or reply.drop_after == 0):
            return await self._drop(request)
        if reply.redirect_to is not None:
            return self._redirect(request, reply, headers, serial)
        if reply.echo_key:
            reply = attrs.evolve(reply, error_message=echoed_key_message(reply, request))
        if reply.status != 200:
            return self.error_response(
                reply.status, reply.error_message, reply=reply, headers=headers
            )
        if reply.content_type is not None:
            headers["Content-Type"] = reply.content_type
        turn = resolve(reply, body)
        if not stream or reply.body_fault is not None:
            message = spoil(turn, self.render_message(turn, serial, body))
            payload = fault_body(reply.body_fault, message)
            return self.json_response(payload, headers=headers, serial=serial)
        events = self.render_events(turn, serial, body)
        if turn.invalid_utf8:
            events = [spoil(turn, event) for event in events]
        return await self._stream(request, reply, events, headers, serial)

    def _redirect(
        self, request: web.BaseRequest, reply: Reply, headers: dict[str, str], serial: int
    ) -> web.Response:
        assert reply.redirect_to is not None
        status = reply.status if reply.status in _REDIRECTS else 307
        headers = {
            **headers,
            "Location": reply.redirect_to.rstrip("/") + request.path_qs,
            self.request_id_header: self.request_id(serial),
        }
        return web.Response(status=status, headers=headers)

    async def _stream(
        self,
        request: web.BaseRequest,
        reply: Reply,
        events: list[bytes],
        headers: Mapping[str, str],
        serial: int,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": self.sse_content_type,
                "Cache-Control": "no-cache",
                self.request_id_header: self.request_id(serial),
                **headers,
            }
        )
        await response.prepare(request)
        # A fault asked for at or past the end still happens, before the last event, so the
        # stream is always left incomplete when a fault is scripted.
        last = len(events) - 1
        drop_at = _cap(reply.drop_after, last)
        error_at = _cap(reply.stream_error_after, last)
        hang_at = _cap(reply.hang_after, last)
        end_at = _cap(reply.stream_end_after, last)
        try:
            for sent, event in enumerate(events):
                if sent == end_at:
                    return response  # a clean end of the HTTP body, the stream unfinished
                if sent == drop_at:
                    return await self._drop(request, response)
                if sent == error_at:
                    await response.write(self.stream_error_event(reply))
                    return response
                if sent == hang_at:
                    await self._hang()
                    return await self._drop(request, response)
                if sent and reply.event_delay:
                    await asyncio.sleep(reply.event_delay)
                await response.write(event)
        except ConnectionError:
            pass  # the client went away mid-stream; aiohttp closes the connection
        return response

    async def _hang(self) -> None:
        """Wait until the server stops (a client disconnect cancels the handler first)."""
        assert self._closing is not None
        await self._closing.wait()

    async def _drop(
        self, request: web.BaseRequest, response: web.StreamResponse | None = None
    ) -> web.StreamResponse:
        """Close the TCP connection without finishing the HTTP response.

        Bytes already written are flushed first, so the client sees exactly the events
        sent so far. aiohttp then fails to finish the response on the closed transport,
        which it treats as a client disconnect, quietly.
        """
        transport = request.transport
        if transport is not None:
            # asyncio signals no "write buffer empty" event, so poll it, for a bounded time.
            for _ in range(_FLUSH_POLLS):
                if not transport.get_write_buffer_size():
                    break
                await asyncio.sleep(0.001)
            transport.abort()
        return response if response is not None else web.StreamResponse()


def _cap(index: int | None, last: int) -> int | None:
    return None if index is None else min(index, max(last, 0))


def _header_dict(request: web.BaseRequest) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers
