"""A circuit breaker whose state lives in the fleet store: every worker opens together.

The same rules as :class:`~orchestify_core.breaker.CircuitBreaker` (counted failures in a
row open it, ``recovery_time`` later it half-opens, trial calls decide), but the counts,
the state and the trial slots are one Redis hash that every worker reads and writes with
Lua scripts: the fleet's failures add up, the first worker to reach the threshold opens
it for all, and ``half_open_max_calls`` trials are let through for the whole fleet, not per
worker. A trial whose worker died frees its slot after the provider's timeout.

Admission is asynchronous (a store round trip), so the attempt driver calls
:meth:`SharedCircuitBreaker.admit` before it opens the attempt; the synchronous
``before_call`` of the breaker protocol then hands out a placeholder ticket that the
driver replaces. The outcome goes to the store in the background. While the store cannot
be reached the worker uses a breaker of its own (the local one), and says so once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import attrs

from .breaker import BreakerState, CircuitBreaker, Ticket
from .config import CircuitBreakerConfig
from .errors import CircuitOpenError
from .retry import is_retryable
from .store import StoreError
from .store.fleet import RedisFleetStore

__all__ = ["DEFERRED", "SharedCircuitBreaker", "SharedTicket"]

logger = logging.getLogger("orchestify_core.breaker")

_STATES = (BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN)
_RETRY_STORE_AFTER = 5.0


@attrs.frozen
class SharedTicket:
    """An attempt admitted by the shared state (its generation, whether it is a trial)."""

    generation: int
    trial: bool


#: What ``before_call`` returns: the real ticket comes from :meth:`admit`.
DEFERRED = Ticket(trial=False, generation=-2)


class SharedCircuitBreaker:
    """The breaker of one provider, kept in the fleet store (see the module docstring)."""

    def __init__(
        self, name: str, config: CircuitBreakerConfig, store: RedisFleetStore, lease: float
    ) -> None:
        self.name = name
        self.config = config
        self.store = store
        self.lease = lease
        self.local = CircuitBreaker(name, config)
        self._store_down_until = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"SharedCircuitBreaker({self.name!r}, {self.store.describe()})"

    # ------------------------------------------------------------------ the protocol

    def before_call(self) -> Ticket:
        """A placeholder: the attempt driver admits through :meth:`admit` first."""
        return DEFERRED

    def after_call(self, ticket: Any, error: BaseException | None) -> None:
        """Report how an admitted attempt ended (to the store, in the background)."""
        if isinstance(ticket, SharedTicket):
            verdict = _verdict(error)
            self._spawn(self._record(ticket, verdict))
        elif ticket is not DEFERRED:
            self.local.after_call(ticket, error)

    # ------------------------------------------------------------------ asynchronous

    async def admit(self) -> SharedTicket | Ticket:
        """Admit an attempt or raise :class:`CircuitOpenError` (fleet-wide state)."""
        if time.monotonic() < self._store_down_until:
            return self.local.before_call()
        config = self.config
        try:
            answer = await self.store.admit(
                self.name, config.recovery_time, config.half_open_max_calls, self.lease
            )
        except StoreError as exc:
            self._store_failed(exc)
            return self.local.before_call()
        self._log_move(answer.before, answer.after)
        if not answer.admitted:
            retry_in = max(answer.retry_in, 0.0)
            raise CircuitOpenError(
                f"circuit breaker of provider {self.name!r} is open (shared by the fleet); "
                f"retry in {retry_in:.1f}s",
                retry_in=retry_in,
                provider_id=self.name,
            )
        return SharedTicket(answer.generation, answer.trial)

    async def shared_state(self) -> BreakerState:
        """The fleet's state of this breaker (read from the store)."""
        state, _ = await self.store.breaker_state(self.name, self.config.recovery_time)
        return _STATES[state]

    @property
    def state(self) -> BreakerState:
        """The local fallback's state (the fleet's is :meth:`shared_state`)."""
        return self.local.state

    async def _record(self, ticket: SharedTicket, verdict: str) -> None:
        try:
            before, after = await self.store.record(
                self.name, ticket.generation, ticket.trial, verdict, self.config.failure_threshold
            )
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._log_move(before, after)

    def _log_move(self, before: int, after: int) -> None:
        if before != after:
            logger.warning("circuit breaker of provider %s (shared): %s -> %s",
                           self.name, _STATES[before].value, _STATES[after].value)  # fmt: skip

    def _store_failed(self, exc: BaseException) -> None:
        if time.monotonic() >= self._store_down_until:
            logger.warning(
                "provider %s: shared circuit state unavailable, using this worker's own "
                "breaker for %gs: %s", self.name, _RETRY_STORE_AFTER, exc,
            )  # fmt: skip
        self._store_down_until = time.monotonic() + _RETRY_STORE_AFTER

    def _spawn(self, work: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Wait for the reports still under way."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _verdict(error: BaseException | None) -> str:
    """``ok``, ``fail`` (a counted failure) or ``neutral`` (cancelled, or a 4xx)."""
    if error is None:
        return "ok"
    if isinstance(error, asyncio.CancelledError) or not is_retryable(error):
        return "neutral"
    return "fail"
