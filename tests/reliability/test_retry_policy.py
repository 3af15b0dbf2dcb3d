"""Which failures are retried, and how long the layer waits: provider hints, then backoff."""

from __future__ import annotations

import email.utils

import pytest

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    OverloadedError,
    RateLimitError,
    RetryConfig,
)
from orchestify_core.retry import RetryPolicy, is_retryable, retry_after_from_headers


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (APIConnectionError("reset"), True),
        (APITimeoutError("slow"), True),
        (APIError("timeout", status_code=408), True),
        (APIError("conflict", status_code=409), True),
        (RateLimitError("429"), True),
        (InternalServerError("500"), True),
        (InternalServerError("503", status_code=503), True),
        (OverloadedError("529"), True),
        (BadRequestError("400"), False),
        (AuthenticationError("401"), False),
        (APIError("404", status_code=404), False),
        (RateLimitError("429 but told not to", should_retry=False), False),
        (BadRequestError("400 but told to", should_retry=True), True),
        (ValueError("a bug"), False),
    ],
)
def test_what_is_retried(error: BaseException, retried: bool) -> None:
    """Connection errors, timeouts, 408, 409, 429, 5xx and 529 are retried unless told not."""
    assert is_retryable(error) is retried


def test_retry_after_headers() -> None:
    """retry-after-ms wins over retry-after; seconds and HTTP dates are both understood."""
    assert retry_after_from_headers({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_from_headers({"Retry-After": "7"}) == 7.0
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_from_headers({"retry-after": date}, now=lambda: 1_000_000.0) == 30.0
    assert retry_after_from_headers({"retry-after": "soon"}) is None
    assert retry_after_from_headers({}) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    """Without a hint the wait doubles from initial_delay, is capped, and jitter shortens it."""
    config = RetryConfig(max_retries=10, initial_delay=0.5, max_delay=4.0, jitter=0.5)
    no_jitter = RetryPolicy(config, random=lambda: 0.0)
    assert [no_jitter.delay(InternalServerError("x"), n) for n in range(1, 6)] == [0.5, 1, 2, 4, 4]
    full_jitter = RetryPolicy(config, random=lambda: 1.0)
    assert full_jitter.delay(InternalServerError("x"), 3) == 1.0


def test_provider_hint_is_honoured_within_cap() -> None:
    """A retry-after is used as it is, and one beyond max_retry_after gives up."""
    policy = RetryPolicy(RetryConfig(max_retry_after=30), random=lambda: 0.0)
    assert policy.delay(RateLimitError("x", retry_after=12), 1) == 12
    assert policy.delay(RateLimitError("x", retry_after=31), 1) is None
    assert policy.delay(BadRequestError("x"), 1) is None
