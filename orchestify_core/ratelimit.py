"""Client-side rate limits: a call waits for capacity instead of collecting a 429.

A provider with ``rate_limits:`` gets a :class:`RateLimiter` with one token bucket per kind
of limit (``requests``, ``input_tokens``, ``output_tokens``, ``tokens``), refilled
continuously at the limit's rate and holding at most ``burst_seconds`` of it. Before each
attempt the limiter debits the attempt's cost from every bucket at once (one request; the
estimated input; ``max_tokens`` of output) and the attempt waits until the buckets are out
of debt, so waiters go in the order they asked. When the attempt ends its real usage
replaces the estimate (:meth:`Permit.settle`). A wait longer than the attempt's timeout is
not started: the call raises :class:`~orchestify_core.errors.RateLimitWaitError`.

Local by default (the buckets live in the process). With ``shared: true`` they live in the
fleet store (Redis, an atomic Lua script per take), so every worker draws from one
quota; while the store cannot be reached the worker falls back to local buckets and
tries the store again after a few seconds.

The limits come from the config and, with ``learn_from_headers``, from the provider's
``*-ratelimit-*`` headers (plugins hand them to ``provider.observe_rate_limit_headers``):
a kind the config leaves unset takes the announced limit, and a bucket holding more than
the provider says ``remaining`` is lowered to it. A 429 with ``retry-after`` puts the
requests bucket that many seconds into debt, so every worker pauses, not just the one
that was refused.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from ._ratelimit_headers import parse_rate_limit_headers
from .errors import RateLimitError, RateLimitWaitError
from .requests import estimate_tokens

if TYPE_CHECKING:
    from ._config_fleet import RateLimitConfig
    from .models import CompletionRequest
    from .store.fleet import BucketSpec, RedisFleetStore
    from .tokens import Usage

__all__ = ["KINDS", "Permit", "RateLimiter"]

logger = logging.getLogger(__name__)

KINDS = ("requests", "input_tokens", "output_tokens", "tokens")
_RETRY_STORE_AFTER = 5.0


class _Bucket:
    """A local token bucket: ``level`` tokens at monotonic time ``stamp``."""

    __slots__ = ("cap", "level", "rate", "stamp")

    def __init__(self, rate: float, cap: float) -> None:
        self.rate, self.cap, self.level, self.stamp = rate, cap, cap, time.monotonic()

    def refill(self, now: float) -> float:
        self.level = min(self.cap, self.level + max(now - self.stamp, 0.0) * self.rate)
        self.stamp = now
        return self.level


class Permit:
    """An admitted attempt's draw on the buckets; :meth:`settle` once it ended."""

    __slots__ = ("costs", "limiter", "settled", "waited")

    def __init__(self, limiter: RateLimiter, costs: dict[str, float], waited: float) -> None:
        self.limiter = limiter
        self.costs = costs
        self.waited = waited
        self.settled = False

    def settle(self, usage: Usage | None, error: BaseException | None = None) -> None:
        """Replace the estimates by what the attempt used (None: refund the tokens)."""
        if self.settled:
            return
        self.settled = True
        self.limiter._settle(self, usage, error)


class RateLimiter:
    """The rate limits of one provider (see the module docstring)."""

    def __init__(
        self, name: str, config: RateLimitConfig, store: RedisFleetStore | None = None
    ) -> None:
        self.name = name
        self.config = config
        self.store = store if config.shared else None
        self._configured = config.per_minute()
        self._learned: dict[str, float] = {}
        self._local: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._store_down_until = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    def limits(self) -> dict[str, float]:
        """The limits in force, per minute by kind: the config's, then learned ones."""
        return {**self._learned, **self._configured}

    def __repr__(self) -> str:
        where = "shared" if self.store is not None else "local"
        return f"RateLimiter({self.name!r}, {where}, {self.limits()})"

    # ------------------------------------------------------------------ before an attempt

    def costs(self, request: CompletionRequest) -> dict[str, float]:
        """What an attempt of ``request`` draws from each limited kind."""
        limits = self.limits()
        costs: dict[str, float] = {}
        if "requests" in limits:
            costs["requests"] = 1.0
        if len(limits) > len(costs):
            estimate = float(estimate_tokens(request))
            for kind, cost in (("input_tokens", estimate), ("output_tokens",
                               float(request.max_tokens)),
                               ("tokens", estimate + request.max_tokens)):  # fmt: skip
                if kind in limits:
                    costs[kind] = cost
        return costs

    async def acquire(self, request: CompletionRequest, max_wait: float) -> Permit:
        """Draw an attempt's cost and wait until it fits (nothing limited yet: a permit
        that draws nothing, so that a 429 still teaches the limit).

        :raises RateLimitWaitError: the wait would be longer than ``max_wait`` (nothing
            is drawn, nothing sent).
        """
        costs = self.costs(request)
        if not costs:
            return Permit(self, costs, 0.0)
        granted, wait = await self._take(costs, max_wait)
        if not granted:
            shown = ", ".join(f"{k} {v:g}/min" for k, v in self.limits().items())
            raise RateLimitWaitError(
                f"the call was not sent: the rate limit of provider {self.name!r} ({shown}) "
                f"would make it wait {wait:.1f}s, longer than its timeout of {max_wait:g}s",
                retry_after=wait,
                provider_id=self.name,
                model=request.model,
            )
        permit = Permit(self, costs, wait)
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except asyncio.CancelledError:
                permit.settle(None)
                raise
        return permit

    def _specs(
        self, amounts: dict[str, float], ceilings: dict[str, float] | None = None
    ) -> list[BucketSpec]:
        from .store.fleet import NO_CEILING, BucketSpec

        limits = self.limits()
        specs = []
        for kind, amount in amounts.items():
            rate, cap = self._shape(limits[kind])
            ceiling = NO_CEILING if ceilings is None else ceilings.get(kind, NO_CEILING)
            specs.append(BucketSpec(f"{self.name}:{kind}", rate, cap, amount, ceiling))
        return specs

    def _shape(self, per_minute: float) -> tuple[float, float]:
        rate = per_minute / 60.0
        return rate, max(rate * self.config.burst_seconds, 1.0)

    async def _take(self, costs: dict[str, float], max_wait: float) -> tuple[bool, float]:
        if self._use_store():
            assert self.store is not None
            from .store import StoreError

            try:
                return await self.store.take(self._specs(costs), max_wait)
            except StoreError as exc:
                self._store_failed(exc)
        return self._take_local(costs, max_wait)

    def _take_local(self, costs: dict[str, float], max_wait: float) -> tuple[bool, float]:
        now = time.monotonic()
        limits = self.limits()
        with self._lock:
            after: dict[str, float] = {}
            wait = 0.0
            for kind, cost in costs.items():
                bucket = self._bucket(kind, limits[kind])
                after[kind] = level = bucket.refill(now) - cost
                if level < 0:
                    wait = max(wait, -level / bucket.rate)
            if wait > max_wait:
                return False, wait
            for kind, level in after.items():
                self._local[kind].level = level
        return True, wait

    def _bucket(self, kind: str, per_minute: float) -> _Bucket:
        rate, cap = self._shape(per_minute)
        bucket = self._local.get(kind)
        if bucket is None or bucket.rate != rate:
            bucket = self._local[kind] = _Bucket(rate, cap)
        return bucket

    # ------------------------------------------------------------------ after an attempt

    def _settle(self, permit: Permit, usage: Usage | None, error: BaseException | None) -> None:
        costs = permit.costs
        used_in = usage.input_tokens if usage is not None else 0
        used_out = usage.output_tokens if usage is not None else 0
        deltas: dict[str, float] = {}
        for kind, used in (("input_tokens", used_in), ("output_tokens", used_out),
                           ("tokens", used_in + used_out)):  # fmt: skip
            if kind in costs and used != costs[kind]:
                deltas[kind] = used - costs[kind]
        ceilings: dict[str, float] = {}
        if isinstance(error, RateLimitError) and not isinstance(error, RateLimitWaitError):
            self._learn_from_error(error, deltas, ceilings)
        if deltas:
            self._adjust(deltas, ceilings)

    def _learn_from_error(
        self, error: RateLimitError, deltas: dict[str, float], ceilings: dict[str, float]
    ) -> None:
        """A 429: read its headers, and pause every worker for its ``retry-after``."""
        response = getattr(error.__cause__, "response", None)
        headers = getattr(response, "headers", None)
        if headers is not None:
            self.observe_headers(headers)
        limits = self.limits()
        if error.retry_after and "requests" in limits:
            rate, _ = self._shape(limits["requests"])
            deltas.setdefault("requests", 0.0)
            ceilings["requests"] = -error.retry_after * rate  # nobody sends until paid

    def _adjust(self, deltas: dict[str, float], ceilings: dict[str, float]) -> None:
        if self._use_store():
            self._spawn(self._adjust_shared(self._specs(deltas, ceilings)))
            return
        now = time.monotonic()
        limits = self.limits()
        with self._lock:
            for kind, delta in deltas.items():
                bucket = self._bucket(kind, limits[kind])
                level = min(bucket.cap, bucket.refill(now) - delta)
                bucket.level = min(level, ceilings.get(kind, level))

    async def _adjust_shared(self, specs: list[BucketSpec]) -> None:
        from .store import StoreError

        assert self.store is not None
        try:
            await self.store.adjust(specs)
        except StoreError as exc:
            self._store_failed(exc)

    # ------------------------------------------------------------------ headers

    def observe_headers(self, headers: Any) -> None:
        """Learn from a response's ``*-ratelimit-*`` headers (see the module docstring)."""
        if not self.config.learn_from_headers:
            return
        found = parse_rate_limit_headers(headers)
        if not found:
            return
        ceilings: dict[str, float] = {}
        for kind, (limit, remaining) in found.items():
            new = limit is not None and limit > 0 and kind not in self._configured
            if new and self._learned.get(kind) != limit:
                assert limit is not None
                logger.info("provider %s: rate limit %s %g/min learned from its headers",
                            self.name, kind, limit)  # fmt: skip
                self._learned[kind] = limit
            per_minute = self.limits().get(kind)
            if remaining is not None and per_minute is not None:
                ceilings[kind] = remaining
        ceilings = {k: v for k, v in ceilings.items() if v < self._shape(self.limits()[k])[1]}
        if ceilings:
            self._adjust(dict.fromkeys(ceilings, 0.0), ceilings)

    # ------------------------------------------------------------------ the store

    def _use_store(self) -> bool:
        return self.store is not None and time.monotonic() >= self._store_down_until

    def _store_failed(self, exc: BaseException) -> None:
        if self._store_down_until == 0.0 or time.monotonic() >= self._store_down_until:
            logger.warning("provider %s: shared rate limits unavailable, using local ones "
                           "for %gs: %s", self.name, _RETRY_STORE_AFTER, exc)  # fmt: skip
        self._store_down_until = time.monotonic() + _RETRY_STORE_AFTER

    def _spawn(self, work: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop (a header seen outside one): nothing to do
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        """Wait for the store updates still under way."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
