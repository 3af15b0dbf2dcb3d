"""What a loopback server remembers of each request, and where a secret leaked into one."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import attrs

__all__ = ["RecordedRequest", "find_secret"]


@attrs.frozen
class RecordedRequest:
    """One API request as the server received it.

    ``headers`` has lower-case names (repeated headers joined with ``", "``); ``body`` is the
    parsed JSON body, or None when the body was empty or not JSON; ``raw_body`` is the bytes.
    """

    method: str
    path: str
    query: str
    headers: dict[str, str] = attrs.field(hash=False)
    body: Any = attrs.field(hash=False)
    raw_body: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form served by ``GET /_loopback/requests``."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
        }


AuthHeaderCheck = Callable[[str, str, str], bool]
"""``(header name, header value, secret) -> True`` when the header is where the key belongs."""


def _spellings(secret: str) -> tuple[str, ...]:
    """The secret as sent plainly, JSON-escaped, and URL-quoted."""
    escaped = json.dumps(secret)[1:-1]
    return tuple(dict.fromkeys((secret, escaped, quote(secret, safe=""))))


def find_secret(
    requests: Sequence[RecordedRequest], secret: str, is_auth_header: AuthHeaderCheck
) -> list[str]:
    """Describe every place ``secret`` appeared in ``requests`` other than the auth header."""
    if not secret:
        raise ValueError("cannot search for an empty secret")
    spellings = _spellings(secret)

    def contains(text: str) -> bool:
        return any(spelling in text for spelling in spellings)

    places: list[str] = []
    for index, request in enumerate(requests):
        label = f"request {index} ({request.method} {request.path})"
        if contains(request.path):
            places.append(f"{label}: path")
        if contains(request.query):
            places.append(f"{label}: query string")
        for name, value in request.headers.items():
            if contains(name):
                places.append(f"{label}: header name {name!r}")
            if contains(value) and not is_auth_header(name, value, secret):
                places.append(f"{label}: header {name!r}")
        if contains(request.raw_body.decode("utf-8", errors="replace")):
            places.append(f"{label}: body")
    return places
