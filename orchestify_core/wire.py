"""Reading the wire: server-sent events and JSON, for plugins that decode answers themselves.

**Server-sent events**, from the bytes of a response body, as the SDKs' decoder reads them.

The rules are the SSE specification's, as the SDK applies them: lines end in LF, CR or
CRLF (a CRLF split between two reads is one line end); each line is decoded as strict
UTF-8 (an invalid byte raises ``UnicodeDecodeError``, as in the SDK); ``field: value``
lines set ``event``, append to ``data`` (joined by newlines), set ``id`` (not reset between
events) or ``retry``; ``:`` lines are comments; a blank line dispatches the event when any
field was set. A last event the body does not end with a blank line is never dispatched.

:meth:`SSEDecoder.feed` takes the body piece by piece and returns the events completed so
far as ``(event, data)`` pairs; the common lines (``data:`` and ``event:``) take a short
path.

**JSON.** :func:`loads` uses orjson when it is installed (several times faster than
:func:`json.loads`; the first-party plugins depend on it) and :func:`json.loads` for what
orjson refuses (``NaN`` and ``Infinity``, integers beyond 64 bits, lone surrogate escapes,
nesting past 1,024 levels): a decoder that accepts exactly what the SDKs' decoder accepts,
and fails with the same exception where it fails.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the core does not depend on orjson
    orjson = None  # type: ignore[assignment]

__all__ = ["SSEDecoder", "ServerEvent", "loads"]


def loads(text: str | bytes) -> Any:
    """The value of the JSON ``text`` (orjson first, :func:`json.loads` on its refusal)."""
    if orjson is None:
        return json.loads(text)  # type: ignore[unreachable]
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


ServerEvent = tuple[str | None, str]
"""An event's name (None when it had none, or an empty one) and its data."""


class SSEDecoder:
    """The events of one body, fed in the pieces it arrives in."""

    __slots__ = ("_cr", "_data", "_event", "_id", "_retry", "_tail")

    def __init__(self) -> None:
        self._tail = b""  # an unfinished line
        self._cr = False  # the last piece ended in CR: a LF starting the next is its end
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, piece: bytes) -> list[ServerEvent]:
        """The events that ``piece`` completes."""
        if self._cr:
            self._cr = False
            if piece[:1] == b"\n":
                piece = piece[1:]
        if b"\r" in piece:
            self._cr = piece.endswith(b"\r")
            piece = piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = piece.split(b"\n")
        if self._tail:
            lines[0] = self._tail + lines[0]
        self._tail = lines.pop()
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[ServerEvent]:
        events: list[ServerEvent] = []
        for line in lines:
            if not line:
                if self._event or self._data or self._id or self._retry is not None:
                    data = self._data
                    events.append(
                        (self._event or None, data[0] if len(data) == 1 else "\n".join(data))
                    )
                    self._event = None
                    self._data = []
                    self._retry = None
            elif line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
                self._data.append(value.decode("utf-8"))
            elif line.startswith(b"event:"):
                value = line[7:] if line[6:7] == b" " else line[6:]
                self._event = value.decode("utf-8")
            else:
                self._field(line.decode("utf-8"))
        return events

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry":
            with contextlib.suppress(ValueError):
                self._retry = int(value)
