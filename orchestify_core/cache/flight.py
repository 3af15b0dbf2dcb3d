"""Single flight: identical requests running at once make one call to the provider.

In a process, the first of them leads and the others wait for its answer on a future (one
per event loop and key). With a store other processes share (Redis), the leader of each
process then takes the key's lock in the store (``SET NX PX``): one process in the fleet
calls the provider; the others poll the store for its answer, with a growing interval,
until it is there, the lock is gone (the leader gave up: one of them leads in turn) or
their wait runs out (then each calls the provider itself).
"""

from __future__ import annotations

import asyncio
import enum
import os
import threading
import time

from .base import CacheStore

__all__ = ["Flights", "Outcome", "wait_for_lock"]

_FIRST_POLL = 0.005
_LONGEST_POLL = 0.1


class Outcome(enum.Enum):
    """How a leader ended without an answer to share."""

    CANCELLED = "cancelled"  # its caller went away: another waiter leads
    UNCACHED = "uncached"  # it failed, or its answer is not cached: each waiter calls


class Flights:
    """The calls leading in this process, by event loop and key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leading: dict[tuple[int, str], asyncio.Future[object]] = {}

    def join(self, key: str) -> asyncio.Future[object] | None:
        """None when the caller leads (and must :meth:`finish`); else the leader's future,
        which ends with the stored entry or an :class:`Outcome`."""
        loop = asyncio.get_running_loop()
        slot = (id(loop), key)
        with self._lock:
            future = self._leading.get(slot)
            if future is None:
                self._leading[slot] = loop.create_future()
            return future

    def finish(self, key: str, result: object) -> None:
        """End the caller's lead, handing ``result`` to those waiting."""
        slot = (id(asyncio.get_running_loop()), key)
        with self._lock:
            future = self._leading.pop(slot, None)
        if future is not None and not future.done():
            future.set_result(result)


def new_token() -> str:
    """A lock token unique across processes."""
    return os.urandom(12).hex()


async def wait_for_lock(
    store: CacheStore, key: str, token: str, deadline: float, lease: float
) -> bytes | bool:
    """Take the store's lock of ``key`` (True), or wait for the value another process is
    making (its bytes), or give up at ``deadline`` (False: call without the lock)."""
    interval = _FIRST_POLL
    while True:
        got = await store.lock_or_get(key, token, lease)
        if got is not False:
            return got
        while True:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, _LONGEST_POLL)
            value = await store.get(key)
            if value is not None:
                return value
            if not await store.locked(key):
                break
