"""The layer's one retry loop: which errors are retried, and how long to wait.

The SDKs' own retries are always turned off by the plugins (``max_retries=0``), so a failed
request is retried here and only here; the two never multiply.

Retried: connection errors, timeouts, 408, 409, 429, 5xx and 529, unless the provider said
``x-should-retry: false`` (or true, which forces a retry). The wait is the provider's
``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date) when it gave one and it is
within ``max_retry_after``; otherwise exponential backoff with jitter, capped at ``max_delay``.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping

import attrs

from .config import RetryConfig
from .errors import APIConnectionError, APIError

__all__ = [
    "RETRYABLE_STATUS",
    "RetryPolicy",
    "api_error",
    "is_retryable",
    "retry_after_from_headers",
    "should_retry_from_headers",
]

RETRYABLE_STATUS = frozenset({408, 409, 429})


def is_retryable(error: BaseException) -> bool:
    """Whether a failed attempt may be tried again."""
    if isinstance(error, APIError):
        if error.should_retry is not None:
            return error.should_retry
        status = error.status_code
        if status is None:  # an error event inside a stream: overloaded or server-side
            return error.error_type in ("overloaded_error", "api_error", "server_error")
        return status in RETRYABLE_STATUS or status >= 500
    return isinstance(error, APIConnectionError)


def _seconds(text: str, scale: float = 1.0) -> float | None:
    """A finite, non-negative number of seconds, or None (``nan``, ``inf``, junk)."""
    try:
        value = float(text) / scale
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return max(value, 0.0)


def retry_after_from_headers(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """Seconds to wait as the provider asked: ``retry-after-ms``, then ``retry-after``.

    ``retry-after`` may be seconds or an HTTP date. Returns None when neither header is
    present or gives a finite number (``nan``, ``inf`` and junk are ignored, never slept on).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        seconds = _seconds(millis, 1000.0)
        if seconds is not None:
            return seconds
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    import email.utils

    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(email.utils.mktime_tz(parsed) - now(), 0.0)
    except (ValueError, OverflowError):
        return None


def should_retry_from_headers(headers: Mapping[str, str]) -> bool | None:
    """The provider's ``x-should-retry`` verdict: True, False, or None when it gave none."""
    for key, value in headers.items():
        if key.lower() == "x-should-retry":
            verdict = value.strip().lower()
            if verdict == "true":
                return True
            if verdict == "false":
                return False
            return None
    return None


def api_error(
    error_class: type[APIError],
    message: str,
    *,
    status_code: int | None,
    headers: Mapping[str, str] | None = None,
    error_type: str | None = None,
) -> APIError:
    """An APIError with the provider's retry hints read from its headers (``x-should-retry``,
    ``retry-after-ms``, ``retry-after``): what every plugin's error translation ends with.
    Pick ``error_class`` with :func:`~orchestify_core.errors.error_for_status`."""
    headers = headers or {}
    return error_class(
        message,
        status_code=status_code,
        error_type=error_type,
        should_retry=should_retry_from_headers(headers),
        retry_after=retry_after_from_headers(headers),
    )


@attrs.define
class RetryPolicy:
    """Decides whether and when to retry (one per provider; replaceable through the
    ``orchestify_retry_policy`` hook).

    Attributes:
        config: The provider's retry settings.
        random: Source of jitter, injectable for tests.
        sleep: How to wait, injectable for tests.
    """

    config: RetryConfig
    random: Callable[[], float] = random.random
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    @property
    def max_retries(self) -> int:
        return self.config.max_retries

    def delay(self, error: BaseException, retry_number: int) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based), or None to give up.

        The caller enforces ``max_retries`` (a call may override it).
        """
        if not is_retryable(error):
            return None
        retry_after: float | None = getattr(error, "retry_after", None)
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            if retry_after > self.config.max_retry_after:
                return None
            return float(retry_after)
        base = min(self.config.initial_delay * 2.0 ** (retry_number - 1), self.config.max_delay)
        return base * (1 - self.config.jitter * self.random())
