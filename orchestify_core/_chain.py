"""Between a call's attempts: waiting to retry, and deciding whether to fail over.

The attempt driver (:func:`orchestify_core._attempts.drive`) asks these after an attempt
failed: :func:`wait_to_retry` sleeps the retry policy's delay or raises when there is no
retry left; :func:`fail_over_or_raise` says whether the next provider of the chain may
succeed where this one failed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .errors import (
    AllProvidersFailedError,
    BadRequestError,
    ProviderError,
    RequestValidationError,
    StreamInterruptedError,
)

if TYPE_CHECKING:
    from ._attempts import CallSettings
    from .provider import LLMProvider

__all__ = ["fail_over_or_raise", "wait_to_retry"]

logger = logging.getLogger("orchestify_core.provider")


async def wait_to_retry(
    provider: LLMProvider,
    error: ProviderError | None,
    retry_number: int,
    settings: CallSettings,
) -> None:
    """Sleep before retry ``retry_number``, or raise ``error`` when there is none."""
    assert error is not None
    limit = provider._retry.max_retries if settings.max_retries is None else settings.max_retries
    delay = provider._retry.delay(error, retry_number) if retry_number <= limit else None
    if delay is None or not 0 <= delay < math.inf:  # a NaN wait would never wake
        raise error
    logger.info(
        "provider %s: %s; retry %d of %d in %.2fs",
        provider.provider_id, type(error).__name__, retry_number, limit, delay,
    )  # fmt: skip
    await provider._retry.sleep(delay)


def fail_over_or_raise(
    error: ProviderError | RequestValidationError,
    index: int,
    chain: Sequence[LLMProvider],
    errors: list[tuple[str, BaseException]],
) -> None:
    """Record that ``chain[index]`` failed: return to try the next provider, or raise.

    The primary's invalid request and a stream cut after its first chunk are raised as they
    are; a failure with no provider left is raised, wrapped when others failed before it.
    """
    if isinstance(error, StreamInterruptedError) or (
        index == 0 and isinstance(error, RequestValidationError)
    ):
        raise error
    errors.append((chain[index].provider_id, error))
    if index + 1 < len(chain) and _may_fail_over(error):
        logger.warning(
            "provider %s failed (%s); failing over to %s",
            chain[index].provider_id, type(error).__name__, chain[index + 1].provider_id,
        )  # fmt: skip
        return
    if len(errors) > 1:
        raise AllProvidersFailedError(errors) from error
    raise error


def _may_fail_over(error: BaseException) -> bool:
    """Whether another provider might succeed where this one failed.

    A request the provider found malformed (400) would be malformed anywhere; everything
    else (outages, rate limits, auth or model problems of this provider) may fail over.
    """
    return not isinstance(error, BadRequestError | StreamInterruptedError)
