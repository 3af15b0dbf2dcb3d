"""A prompt-cache breakpoint: the mark a content part, a tool or a system block carries.

A mark says "the prompt up to and including this block may be cached" (Anthropic's
``cache_control``). It has a time-to-live: ``5m`` (the default) or ``1h``, the two
Anthropic offers. Plugins whose provider takes breakpoints send the marks; the others
ignore them (OpenAI caches prefixes by itself).

Marks are accepted as a :class:`CacheMark`, as Anthropic's own dict
(``{"type": "ephemeral"}``, ``{"type": "ephemeral", "ttl": "1h"}``), as a TTL string
(``"5m"``, ``"1h"``) or as ``True`` (a 5-minute mark); :func:`coerce_mark` turns each into
a :class:`CacheMark` or refuses it in one line naming where it was.

This module depends on nothing else in the core, so the data model can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from .errors import RequestValidationError

__all__ = [
    "CACHE_TTLS",
    "FIVE_MINUTES",
    "MAX_BREAKPOINTS",
    "ONE_HOUR",
    "CacheMark",
    "CacheTTL",
    "coerce_mark",
    "to_mark",
]

CacheTTL = Literal["5m", "1h"]
#: The time-to-live values of a mark, shortest first.
CACHE_TTLS: Final = ("5m", "1h")
#: Anthropic takes at most this many ``cache_control`` blocks in one request.
MAX_BREAKPOINTS: Final = 4


def _check_ttl(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if value not in CACHE_TTLS:
        raise RequestValidationError(
            f"a prompt-cache mark's ttl must be '5m' or '1h', got {value!r}"
        )


@attrs.frozen
class CacheMark:
    """A prompt-cache breakpoint with its time-to-live (``5m`` or ``1h``)."""

    ttl: CacheTTL = attrs.field(default="5m", validator=_check_ttl)

    def to_anthropic(self) -> dict[str, str]:
        """Anthropic's ``cache_control``: ``{"type": "ephemeral"}``, with ``"ttl": "1h"``
        for an hour (five minutes is the API's default, so it is left out)."""
        if self.ttl == "5m":
            return {"type": "ephemeral"}
        return {"type": "ephemeral", "ttl": self.ttl}


FIVE_MINUTES: Final = CacheMark("5m")
ONE_HOUR: Final = CacheMark("1h")


def _from_mapping(value: Mapping[Any, Any], where: str) -> CacheMark:
    unknown = sorted(str(key) for key in value if key not in ("type", "ttl"))
    if unknown:
        raise RequestValidationError(
            f"{where}: unknown key {unknown[0]!r} in cache_control (expected 'type' and 'ttl')"
        )
    if value.get("type", "ephemeral") != "ephemeral":
        raise RequestValidationError(
            f"{where}: cache_control type must be 'ephemeral', got {value.get('type')!r}"
        )
    ttl = value.get("ttl", "5m")
    if ttl not in CACHE_TTLS:
        raise RequestValidationError(
            f"{where}: cache_control ttl must be '5m' or '1h', got {ttl!r}"
        )
    return FIVE_MINUTES if ttl == "5m" else ONE_HOUR


def coerce_mark(value: object, where: str = "cache") -> CacheMark | None:
    """``value`` as a :class:`CacheMark` (None: no mark); a bad one is refused naming
    ``where``."""
    if value is None or value is False:
        return None
    if isinstance(value, CacheMark):
        return value
    if value is True:
        return FIVE_MINUTES
    if isinstance(value, str):
        if value not in CACHE_TTLS:
            raise RequestValidationError(
                f"{where}: a prompt-cache mark is '5m' or '1h', got {value!r}"
            )
        return FIVE_MINUTES if value == "5m" else ONE_HOUR
    if isinstance(value, Mapping):
        return _from_mapping(value, where)
    raise RequestValidationError(
        f"{where}: a prompt-cache mark is a CacheMark, a cache_control dict, '5m', '1h' or "
        f"True, got {type(value).__name__}"
    )


def to_mark(value: object) -> CacheMark | None:
    """The converter of a record's ``cache`` field: :func:`coerce_mark` at ``cache``."""
    return coerce_mark(value, "cache")
