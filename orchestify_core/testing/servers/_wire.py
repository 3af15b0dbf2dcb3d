"""Byte-level helpers shared by the provider renderers: compact JSON and SSE framing."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "sse"]

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact JSON, as the providers send it."""
    return _encoder.encode(value)


def sse(data: str, event: str | None = None) -> bytes:
    """One server-sent event; ``data`` must be a single line (compact JSON is)."""
    if event is None:
        return f"data: {data}\n\n".encode()
    return f"event: {event}\ndata: {data}\n\n".encode()
