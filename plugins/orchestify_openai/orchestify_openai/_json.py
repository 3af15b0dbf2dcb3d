"""JSON text -> Python values, as fast as orjson and as lenient as the standard library.

orjson decodes the wire's JSON several times faster than :func:`json.loads` (figures in
docs/benchmarks.md). It is stricter, though: it refuses ``NaN`` and ``Infinity``, integers
beyond 64 bits, lone surrogate escapes and nesting past 1,024 levels, all of which
:func:`json.loads`, the decoder the SDK uses, accepts or fails on in its own way. So a text
orjson refuses goes to :func:`json.loads`: the fast path accepts exactly what the SDK
accepts, and fails with the same exception where the SDK fails.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["loads"]


def loads(text: str | bytes) -> Any:
    """The value of the JSON ``text`` (orjson first, :func:`json.loads` on its refusal)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
