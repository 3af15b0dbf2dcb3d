"""The memory ledger store: one process, nothing written anywhere (the library default)."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Mapping, Sequence

from ._batch_jobs import BatchJobRow
from .base import AttemptRow, Charge, Debit, LedgerStore, Refusal, Spend

__all__ = ["MemoryStore", "fits"]


def fits(spend: Spend, charge: Charge) -> bool:
    """Whether ``charge`` fits beside what is spent and held (the rule every backend uses)."""
    if not charge.enforce:
        return True
    limit_nano, limit_tokens = charge.limit_nano, charge.limit_tokens
    if limit_nano is not None and spend.nano + spend.held_nano + charge.nano > limit_nano:
        return False
    return limit_tokens is None or spend.tokens + spend.held_tokens + charge.tokens <= limit_tokens


class MemoryStore(LedgerStore):
    """Rows, spend and holds in this process's memory, guarded by one lock."""

    name = "memory"
    durability = "none: in this process's memory only, gone when it exits"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, AttemptRow] = {}
        self._times: list[tuple[float, str]] = []
        self._spent: dict[str, list[int]] = {}
        # key -> hold id -> (nano, tokens, lease_until)
        self._holds: dict[str, dict[str, tuple[int, int, float]]] = {}
        self._alerts: set[tuple[str, str]] = set()
        self._batch_jobs: dict[str, BatchJobRow] = {}

    def _state(self, key: str, now: float) -> Spend:
        holds = self._holds.get(key)
        held_nano = held_tokens = count = 0
        if holds:
            for hold_id, (nano, tokens, lease_until) in list(holds.items()):
                if lease_until <= now:
                    del holds[hold_id]
                    continue
                held_nano += nano
                held_tokens += tokens
                count += 1
        spent = self._spent.get(key, (0, 0))
        return Spend(spent[0], spent[1], held_nano, held_tokens, count)

    async def reserve(
        self, hold_id: str, charges: Sequence[Charge], now: float, lease_until: float
    ) -> Refusal | None:
        with self._lock:
            for charge in charges:
                state = self._state(charge.key, now)
                if not fits(state, charge):
                    return Refusal(charge.key, state, charge)
            for charge in charges:
                entry = (charge.nano, charge.tokens, lease_until)
                self._holds.setdefault(charge.key, {})[hold_id] = entry
        return None

    async def release(self, hold_id: str, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._holds.get(key, {}).pop(hold_id, None)

    async def settle(
        self, row: AttemptRow, hold_id: str | None, debits: Sequence[Debit]
    ) -> Mapping[str, Spend] | None:
        with self._lock:
            if hold_id is not None:
                for debit in debits:
                    self._holds.get(debit.key, {}).pop(hold_id, None)
            if row.id in self._rows:
                return None
            self._rows[row.id] = row
            bisect.insort(self._times, (row.time, row.id))
            for debit in debits:
                spent = self._spent.setdefault(debit.key, [0, 0])
                spent[0] += debit.nano
                spent[1] += debit.tokens
            now = time.time()
            return {debit.key: self._state(debit.key, now) for debit in debits}

    async def rows(
        self, since: float | None = None, until: float | None = None
    ) -> list[AttemptRow]:
        with self._lock:
            start = 0 if since is None else bisect.bisect_left(self._times, (since, ""))
            end = (
                len(self._times) if until is None else bisect.bisect_left(self._times, (until, ""))
            )
            return [self._rows[row_id] for _, row_id in self._times[start:end]]

    async def spend(self, keys: Sequence[str], now: float) -> dict[str, Spend]:
        with self._lock:
            return {key: self._state(key, now) for key in keys}

    async def claim_alert(self, key: str, threshold: str) -> bool:
        with self._lock:
            if (key, threshold) in self._alerts:
                return False
            self._alerts.add((key, threshold))
            return True

    async def put_batch_job(self, job: BatchJobRow) -> None:
        with self._lock:
            self._batch_jobs[job.id] = job

    async def batch_job(self, batch_id: str) -> BatchJobRow | None:
        with self._lock:
            return self._batch_jobs.get(batch_id)

    async def recorded(self, row_ids: Sequence[str]) -> set[str]:
        with self._lock:
            return {row_id for row_id in row_ids if row_id in self._rows}
