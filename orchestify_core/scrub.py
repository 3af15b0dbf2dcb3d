"""Keeping secrets out of errors: one place that scrubs text and whole exception chains.

The core scrubs every error a provider's attempt ends with, and its whole chain
(``__cause__`` and ``__context__``), of every secret the provider knows
(:attr:`ProviderContext.secrets`: the config's key, masked headers and options, and what
the plugin added), so that ``str(exc)``, ``repr(exc)``, ``logger.exception`` and
``traceback.format_exception`` never print a key, even one an error body echoed back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .secret import MASK

__all__ = ["MASK", "scrub", "scrub_exception_chain"]

_FIELDS = ("message", "body", "detail", "text", "response_text")


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by a mask."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


def _scrub_value(value: Any, secrets: frozenset[str], depth: int = 0) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, bytes | bytearray):  # an error body kept as bytes
        text = bytes(value).decode("utf-8", errors="replace")
        scrubbed = scrub(text, secrets)
        return value if scrubbed == text else scrubbed.encode()
    if depth > 20:
        return value
    if isinstance(value, dict):
        return {k: _scrub_value(v, secrets, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v, secrets, depth + 1) for v in value)
    return value


def _links(error: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = (
            current.__cause__,
            current.__context__,
            getattr(current, "original_exception", None),
        )
        pending.extend(e for e in linked if isinstance(e, BaseException))
        pending.extend(getattr(current, "exceptions", ()))  # exception groups


def scrub_exception_chain(error: BaseException, secrets: Iterable[str]) -> None:
    """Scrub ``error`` and every exception chained to it, in place: their ``args``,
    notes, and the ``message`` / ``body`` style attributes SDK exceptions carry (bytes
    included). Chained means ``__cause__``, ``__context__``, an exception group's members and
    an ``original_exception`` attribute (LiteLLM's wrappers print it from ``__str__``)."""
    wanted = frozenset(s for s in secrets if s)
    if not wanted:
        return
    for link in _links(error):
        try:
            link.args = _scrub_value(link.args, wanted)
            notes = getattr(link, "__notes__", None)
            if notes:
                link.__notes__ = [scrub(str(note), wanted) for note in notes]
            for name in _FIELDS:
                value = link.__dict__.get(name) if hasattr(link, "__dict__") else None
                if value is not None:
                    setattr(link, name, _scrub_value(value, wanted))
        except (AttributeError, TypeError):  # a read-only attribute: leave that one
            continue
