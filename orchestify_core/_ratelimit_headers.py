"""Reading the providers' rate-limit headers: what the limit is and how much is left.

Anthropic: ``anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining}``
(per minute). OpenAI and compatible servers: ``x-ratelimit-{limit,remaining}-{requests,
tokens}`` (per minute; ``tokens`` counts input and output). ``*-reset`` headers say when a
bucket is full again; a continuously refilled bucket needs only the limit and what remains.
Values that are not plain non-negative numbers are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["HeaderLimits", "parse_rate_limit_headers"]

#: kind -> (limit per minute, remaining), either None when the headers did not say.
HeaderLimits = dict[str, tuple[float | None, float | None]]

_ANTHROPIC = "anthropic-ratelimit-"
_OPENAI = "x-ratelimit-"
_ANTHROPIC_KINDS = {"requests": "requests", "input-tokens": "input_tokens",
                    "output-tokens": "output_tokens"}  # fmt: skip
_OPENAI_KINDS = {"requests": "requests", "tokens": "tokens"}


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if 0 <= value < 1e15 else None


def _split(name: str) -> tuple[str, str] | None:
    """``(kind, field)`` of a rate-limit header name (lower case), or None."""
    if name.startswith(_ANTHROPIC):
        rest = name[len(_ANTHROPIC) :]
        for suffix in ("-limit", "-remaining"):
            if rest.endswith(suffix):
                kind = _ANTHROPIC_KINDS.get(rest[: -len(suffix)])
                return (kind, suffix[1:]) if kind else None
        return None
    if name.startswith(_OPENAI):
        field, _, raw_kind = name[len(_OPENAI) :].partition("-")
        kind = _OPENAI_KINDS.get(raw_kind)
        return (kind, field) if kind and field in ("limit", "remaining") else None
    return None


def parse_rate_limit_headers(headers: Any) -> HeaderLimits:
    """The limits and what remains of each, from a response's headers (any mapping or
    sequence of pairs: ``httpx.Headers``, a dict, aiohttp's multidict)."""
    items: Iterable[tuple[Any, Any]] = headers.items() if hasattr(headers, "items") else headers
    found: HeaderLimits = {}
    for raw_name, raw_value in items:
        name = str(raw_name).lower()
        if not (name.startswith(_ANTHROPIC) or name.startswith(_OPENAI)):
            continue
        parsed = _split(name)
        value = _number(str(raw_value))
        if parsed is None or value is None:
            continue
        kind, field = parsed
        limit, remaining = found.get(kind, (None, None))
        found[kind] = (value, remaining) if field == "limit" else (limit, value)
    return found
