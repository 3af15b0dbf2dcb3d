"""A per-provider circuit breaker.

closed --(failure_threshold counted failures in a row)--> open
open --(recovery_time elapsed, on the next call)--> half-open
half-open: at most ``half_open_max_calls`` trial calls at once; the first trial to succeed
closes the breaker, a trial failure opens it again.

Counted failures are those worth backing off from: connection errors, timeouts, 408, 409,
429, 5xx and 529. Other 4xx errors say nothing about the provider's health and do not count;
a cancelled call neither counts nor succeeds. Only trial calls decide a half-open breaker's
fate: a call admitted before the breaker opened cannot close it afterwards. Time is read from
a monotonic clock. Thread-safe.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
import time
from collections.abc import Callable

import attrs

from .config import CircuitBreakerConfig
from .errors import CircuitOpenError
from .retry import is_retryable

__all__ = ["BreakerState", "CircuitBreaker", "Ticket"]

logger = logging.getLogger(__name__)


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@attrs.frozen
class Ticket:
    """Issued by :meth:`CircuitBreaker.before_call`, handed back to ``after_call``."""

    trial: bool
    generation: int


_UNGUARDED = Ticket(trial=False, generation=-1)


@attrs.define
class CircuitBreaker:
    """The breaker of one provider; ``config=None`` makes one that never opens.

    Attributes:
        name: The provider id, for errors and logs.
        clock: A monotonic clock, injectable for tests.
    """

    name: str
    config: CircuitBreakerConfig | None = None
    clock: Callable[[], float] = time.monotonic
    _state: BreakerState = attrs.field(default=BreakerState.CLOSED, init=False)
    _failures: int = attrs.field(default=0, init=False)
    _opened_at: float = attrs.field(default=0.0, init=False)
    _trials: int = attrs.field(default=0, init=False)
    _generation: int = attrs.field(default=0, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose recovery time is over reads half-open)."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._recovered():
                return BreakerState.HALF_OPEN
            return self._state

    def before_call(self) -> Ticket:
        """Admit a call or raise :class:`CircuitOpenError`."""
        config = self.config
        if config is None:
            return _UNGUARDED
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return Ticket(trial=False, generation=self._generation)
            if self._state is BreakerState.OPEN:
                if not self._recovered():
                    raise self._open_error(config.recovery_time - (self.clock() - self._opened_at))
                self._move(BreakerState.HALF_OPEN)
            if self._trials >= config.half_open_max_calls:
                raise self._open_error(0.0)
            self._trials += 1
            return Ticket(trial=True, generation=self._generation)

    def after_call(self, ticket: Ticket, error: BaseException | None) -> None:
        """Record how an admitted call ended: ``error`` None is a success."""
        config = self.config
        if config is None:
            return
        counted = error is not None and is_retryable(error)
        neutral = error is not None and not counted
        cancelled = isinstance(error, asyncio.CancelledError)
        with self._lock:
            if ticket.generation != self._generation:
                return  # admitted under an earlier state: it decides nothing now
            if ticket.trial:
                self._trials -= 1
                if cancelled or neutral:
                    return
                if counted:
                    self._opened_at = self.clock()
                    self._move(BreakerState.OPEN)
                else:
                    self._failures = 0
                    self._move(BreakerState.CLOSED)
                return
            if self._state is not BreakerState.CLOSED or cancelled or neutral:
                return
            if not counted:
                self._failures = 0
                return
            self._failures += 1
            if self._failures >= config.failure_threshold:
                self._opened_at = self.clock()
                self._move(BreakerState.OPEN)

    def _recovered(self) -> bool:
        assert self.config is not None
        return self.clock() - self._opened_at >= self.config.recovery_time

    def _move(self, state: BreakerState) -> None:
        logger.warning(
            "circuit breaker of provider %s: %s -> %s", self.name, self._state.value, state.value
        )
        self._state = state
        self._generation += 1
        self._trials = 0

    def _open_error(self, retry_in: float) -> CircuitOpenError:
        return CircuitOpenError(
            f"circuit breaker of provider {self.name!r} is open; retry in {max(retry_in, 0):.1f}s",
            retry_in=max(retry_in, 0.0),
            provider_id=self.name,
        )
