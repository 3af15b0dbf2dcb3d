"""How a loopback server spoils an answer on request: bad bytes, broken bodies, echoed keys."""

from __future__ import annotations

from aiohttp import web

from ._script import Reply
from ._turn import INVALID_UTF8_MARK, Turn
from ._wire import dumps

__all__ = ["echoed_key_message", "fault_body", "spoil"]

# JSON-encoded, the invalid-UTF-8 mark is this escape; the server sends a raw 0xFF instead.
_UTF8_MARK_JSON = dumps(INVALID_UTF8_MARK)[1:-1].encode()
_INVALID_BYTE = b"\xff"


def spoil(turn: Turn, rendered: bytes) -> bytes:
    """The rendered bytes with the invalid-UTF-8 mark (if any) turned into a 0xFF byte."""
    if not turn.invalid_utf8:
        return rendered
    return rendered.replace(_UTF8_MARK_JSON, _INVALID_BYTE)


def fault_body(fault: str | None, message: bytes) -> bytes:
    """The body a ``body_fault`` asks for, given the complete non-streaming answer."""
    if fault is None or fault == "json":
        return message
    if fault == "malformed":
        return message[: len(message) // 2]
    if fault == "empty":
        return b""
    if fault == "array":
        return b"[]"
    if fault == "object":
        return b'{"foo":1}'
    raise ValueError(f"unknown body fault {fault!r}")


def _credential(request: web.BaseRequest) -> str:
    """The key a request carried, in ``x-api-key`` or as a bearer token."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    return token if scheme.lower() == "bearer" and token else authorization or "(no key)"


def echoed_key_message(reply: Reply, request: web.BaseRequest) -> str:
    """An error message that gives the request's key back, as a careless server does."""
    return f"{reply.error_message or 'Incorrect API key provided'}: {_credential(request)}"
