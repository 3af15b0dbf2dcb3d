"""The fleet store: rate-limit buckets and circuit breakers that every worker shares.

One Redis (the ``fleet:`` section's, or the ledger's), Lua scripts for every step that
must be atomic across workers (see :mod:`._fleet_scripts`), and every key under the
hash tag ``{prefix}`` (one Redis Cluster slot). Each event loop gets its own client, as in
the ledger's :class:`~orchestify_core.store.redis.RedisStore`. A failed or slow operation
raises :class:`~orchestify_core.store.StoreError`; callers fall back to local state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from ._fleet_scripts import ADJUST, BREAKER_ADMIT, BREAKER_RECORD, BREAKER_STATE, TAKE
from .base import StoreError
from .redis import LoopClients, _where

__all__ = ["NO_CEILING", "Admission", "BucketSpec", "RedisFleetStore"]

#: Connections per event loop to the fleet store.
_CONNECTIONS = 16

#: The ceiling of a bucket adjustment that lowers nothing.
NO_CEILING = 1e18


@attrs.frozen
class BucketSpec:
    """One bucket of a take or an adjustment: its name, rate per second, cap and amount."""

    name: str
    rate: float
    cap: float
    amount: float = 0.0
    ceiling: float = NO_CEILING


@attrs.frozen
class Admission:
    """A breaker's answer: admitted or not, the ticket's generation and kind, the seconds
    until it half-opens, and its state (0 closed, 1 open, 2 half-open) before and after."""

    admitted: bool
    generation: int
    trial: bool
    retry_in: float
    before: int
    after: int


class RedisFleetStore:
    """Shared buckets and breakers in Redis under ``{prefix}:rl:*`` and ``{prefix}:cb:*``."""

    def __init__(self, url: str, *, prefix: str = "orchestify", timeout: float = 5.0) -> None:
        self._url = url
        self.timeout = timeout
        self._tag = "{" + prefix + "}"
        self._clients = LoopClients(
            self._connect,
            {"take": TAKE, "adjust": ADJUST, "admit": BREAKER_ADMIT,
             "record": BREAKER_RECORD, "state": BREAKER_STATE},
        )  # fmt: skip

    def describe(self) -> str:
        return f"redis {_where(self._url)} prefix {self._tag}"

    def _client(self) -> tuple[Any, dict[str, Any]]:
        return self._clients.get()

    def _connect(self) -> Any:
        import redis.asyncio

        # A bounded pool: a burst of calls queues for a few connections instead of opening
        # one each (hundreds of connects at once would time out).
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            self._url,
            max_connections=_CONNECTIONS,
            timeout=self.timeout,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
        )
        return redis.asyncio.Redis(connection_pool=pool)

    async def _run(self, what: str, keys: list[str], args: list[Any]) -> Any:
        import redis.exceptions

        _, scripts = self._client()
        try:
            return await scripts[what](keys=keys, args=args)
        except (redis.exceptions.RedisError, OSError) as exc:
            raise StoreError(
                f"fleet store {self.describe()}: {what} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _bucket(self, name: str) -> str:
        return f"{self._tag}:rl:{name}"

    async def take(self, buckets: Sequence[BucketSpec], max_wait: float) -> tuple[bool, float]:
        """Debit each bucket's amount at once: ``(True, seconds to wait before sending)``,
        or ``(False, the wait it would need)`` when that is over ``max_wait`` (nothing
        debited)."""
        keys = [self._bucket(b.name) for b in buckets]
        args: list[Any] = [f"{max_wait:.6f}"]
        for b in buckets:
            args += [f"{b.rate:.9f}", f"{b.cap:.6f}", f"{b.amount:.6f}"]
        granted, wait = await self._run("take", keys, args)
        return int(granted) == 1, float(wait)

    async def adjust(self, buckets: Sequence[BucketSpec]) -> None:
        """Debit (or refund, negative) each bucket's amount, and lower it to its ceiling."""
        keys = [self._bucket(b.name) for b in buckets]
        args: list[Any] = []
        for b in buckets:
            args += [f"{b.rate:.9f}", f"{b.cap:.6f}", f"{b.amount:.6f}", f"{b.ceiling:.6e}"]
        await self._run("adjust", keys, args)

    def _breaker(self, name: str) -> list[str]:
        return [f"{self._tag}:cb:{name}"]

    async def admit(self, name: str, recovery: float, max_trials: int, lease: float) -> Admission:
        """Admit an attempt through breaker ``name`` (moving it to half-open when due)."""
        args = [f"{recovery:.6f}", max_trials, f"{lease:.6f}"]
        ok, gen, trial, retry_in, before, after = await self._run(
            "admit", self._breaker(name), args
        )
        return Admission(int(ok) == 1, int(gen), int(trial) == 1, float(retry_in),
                         int(before), int(after))  # fmt: skip

    async def record(
        self, name: str, generation: int, trial: bool, verdict: str, threshold: int
    ) -> tuple[int, int]:
        """How an admitted attempt ended (``ok``, ``fail``, ``neutral``); the breaker's
        state before and after."""
        args = [generation, int(trial), verdict, threshold]
        before, after = await self._run("record", self._breaker(name), args)
        return int(before), int(after)

    async def breaker_state(self, name: str, recovery: float) -> tuple[int, float]:
        """The breaker's state (an open one past its recovery time reads half-open) and the
        seconds until it half-opens."""
        state, retry_in = await self._run("state", self._breaker(name), [f"{recovery:.6f}"])
        return int(state), float(retry_in)

    async def aclose(self) -> None:
        await self._clients.aclose()
