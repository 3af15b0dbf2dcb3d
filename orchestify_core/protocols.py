"""What the core calls on the objects plugins may replace: typed Protocols.

A plugin that replaces the retry policy (``orchestify_retry_policy``) or the circuit breaker
(``orchestify_circuit_breaker``) returns an object with exactly these members; an observer
(``orchestify_attempt_finished``) receives an :class:`AttemptRecord`. The core's own
implementations (:class:`~orchestify_core.retry.RetryPolicy`,
:class:`~orchestify_core.breaker.CircuitBreaker`, :class:`~orchestify_core.usage.Attempt`)
satisfy them, and a test holds these Protocols, the hookspec docstrings and the core's calls
together.
"""

from __future__ import annotations

from collections.abc import Awaitable
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from .tokens import Usage

__all__ = ["AttemptRecord", "CircuitBreakerProtocol", "RetryPolicyProtocol"]


@runtime_checkable
class RetryPolicyProtocol(Protocol):
    """Decides whether and when a failed attempt is tried again."""

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt (a call's ``max_retries=`` overrides it)."""
        ...

    def delay(self, error: BaseException, retry_number: int) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based), or None to give up.

        ``error`` is the attempt's :class:`~orchestify_core.errors.ProviderError`. A value
        that is not a finite number of seconds >= 0 is refused by the core (it gives up).
        """
        ...

    def sleep(self, seconds: float) -> Awaitable[None]:
        """Wait ``seconds`` (``asyncio.sleep``; injectable for tests)."""
        ...


@runtime_checkable
class CircuitBreakerProtocol(Protocol):
    """Admits or refuses attempts, and learns from how they end."""

    def before_call(self) -> Any:
        """Admit an attempt and return a ticket, or raise
        :class:`~orchestify_core.errors.CircuitOpenError`."""
        ...

    def after_call(self, ticket: Any, error: BaseException | None) -> None:
        """How the admitted attempt ended: ``None`` for success, an
        ``asyncio.CancelledError`` for a cancelled one, else its error. Called exactly once
        per ticket."""
        ...


@runtime_checkable
class AttemptRecord(Protocol):
    """One finished attempt, as an ``orchestify_attempt_finished`` observer sees it."""

    @property
    def provider_id(self) -> str: ...

    @property
    def model(self) -> str:
        """The model that served the attempt (or was asked, when it failed)."""
        ...

    @property
    def outcome(self) -> str:
        """``completed``, ``error``, ``truncated`` or ``cancelled``."""
        ...

    @property
    def usage(self) -> Usage: ...

    @property
    def cost(self) -> Decimal | None:
        """USD, or None when the model is unpriced."""
        ...

    @property
    def latency_s(self) -> float: ...

    @property
    def error(self) -> str | None:
        """``ErrorClass: message`` of a failed attempt (scrubbed of secrets)."""
        ...
