"""The ledger store abstraction: what every backend (memory, SQLite, Redis, a plugin's) does.

A store keeps three things:

- **attempt rows**, each recorded once (a row's ``id`` is its key: recording it again is a
  no-op, which makes a retried write safe);
- **spend** per budget period key (``"monthly:2025-06"``): USD in integer nano-dollars (each
  attempt's cost rounded *up* to the nano-dollar, so a budget never under-counts) and tokens;
- **holds**: reservations of a call's worst case against budget period keys, each a lease
  that lapses at ``lease_until`` so that a worker killed mid-call holds nothing forever.

``reserve`` checks every enforced key and takes the hold on all of them, or on none, in one
atomic step (a SQLite transaction, a Redis script, a lock): across every process sharing the
store, spent + held + the new hold never passes a limit.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ._batch_jobs import BatchJobRow

__all__ = ["AttemptRow", "Charge", "Debit", "LedgerStore", "Refusal", "Spend", "StoreError"]


class StoreError(Exception):
    """The store could not be reached or did not answer (the backend's error is the cause)."""


@attrs.frozen
class AttemptRow:
    """One recorded attempt.

    Attributes:
        id: Unique per attempt (a retried write of the same row records nothing new).
        time: When the attempt started, seconds since the epoch (UTC).
        cost: USD, exact; None when the model has no known price.
        estimated: Whether the tokens were estimated rather than reported.
        error: The class name of the error a failed attempt ended with.
        saved: For a cache hit (outcome ``cache_hit``), what the stored answer cost when it
            was made: the money the hit saved.
    """

    id: str
    time: float
    provider_id: str
    provider_type: str
    model: str
    outcome: str
    agent: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal | None = None
    estimated: bool = False
    tags: Mapping[str, str] = attrs.field(factory=dict)
    latency_s: float = 0.0
    error: str | None = None
    saved: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["cost"] = None if self.cost is None else str(self.cost)
        data["saved"] = None if self.saved is None else str(self.saved)
        data["tags"] = dict(self.tags)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttemptRow:
        values = dict(data)
        cost = values.get("cost")
        values["cost"] = None if cost is None else Decimal(cost)
        saved = values.get("saved")
        values["saved"] = None if saved is None else Decimal(saved)
        values["tags"] = dict(values.get("tags") or {})
        values["estimated"] = bool(values.get("estimated"))
        return cls(**values)

    @classmethod
    def from_json(cls, text: str | bytes) -> AttemptRow:
        return cls.from_dict(json.loads(text))


@attrs.frozen
class Charge:
    """A hold on one budget period key, and the limits it is checked against.

    ``enforce`` False (a ``warn`` budget) takes the hold without checking it.
    """

    key: str
    nano: int
    tokens: int
    limit_nano: int | None = None
    limit_tokens: int | None = None
    enforce: bool = True


@attrs.frozen
class Debit:
    """What a settled attempt adds to one budget period key."""

    key: str
    nano: int
    tokens: int


@attrs.frozen
class Spend:
    """The state of one budget period key."""

    nano: int = 0
    tokens: int = 0
    held_nano: int = 0
    held_tokens: int = 0
    holds: int = 0


@attrs.frozen
class Refusal:
    """Why a hold was refused: the first key it did not fit, and that key's state."""

    key: str
    spend: Spend
    charge: Charge


class LedgerStore(abc.ABC):
    """A ledger backend. Every method may be called from any event loop of the process.

    Backends raise :class:`StoreError` (with the cause attached) when the store cannot be
    reached; the ledger applies the configured policy.
    """

    #: The backend's name (``memory``, ``sqlite``, ``redis``).
    name: str = ""
    #: What is durable when a call returns (shown by ``orchestify budgets``, documented).
    durability: str = ""

    def describe(self) -> str:
        """Where the store is, with no secret in it."""
        return self.name

    @abc.abstractmethod
    async def reserve(
        self, hold_id: str, charges: Sequence[Charge], now: float, lease_until: float
    ) -> Refusal | None:
        """Take the hold on every key, or on none; lapsed holds are dropped first."""

    @abc.abstractmethod
    async def release(self, hold_id: str, keys: Sequence[str]) -> None:
        """Drop a hold (the call was never sent)."""

    @abc.abstractmethod
    async def settle(
        self, row: AttemptRow, hold_id: str | None, debits: Sequence[Debit]
    ) -> Mapping[str, Spend] | None:
        """Record ``row``, add the debits, drop the hold: at once. Returns the spend of each
        debited key after it, or None when the row was already recorded (nothing changed
        but the hold being dropped)."""

    @abc.abstractmethod
    async def rows(
        self, since: float | None = None, until: float | None = None
    ) -> list[AttemptRow]:
        """The rows whose time is in ``[since, until)``, oldest first."""

    @abc.abstractmethod
    async def spend(self, keys: Sequence[str], now: float) -> dict[str, Spend]:
        """The spend and live holds of each key."""

    @abc.abstractmethod
    async def claim_alert(self, key: str, threshold: str) -> bool:
        """True the first time ``(key, threshold)`` is claimed, by any process; else False."""

    async def aclose(self) -> None:  # noqa: B027 - optional: not every store holds anything
        """Release connections and files."""

    # Batch jobs (docs/batches.md). A store without them keeps the jobs in memory only.

    async def put_batch_job(self, job: BatchJobRow) -> None:
        """Record a submitted batch (again: replaces it)."""
        raise NotImplementedError(f"the {self.name} ledger store does not keep batch jobs")

    async def batch_job(self, batch_id: str) -> BatchJobRow | None:
        """The recorded batch ``batch_id``, or None."""
        raise NotImplementedError(f"the {self.name} ledger store does not keep batch jobs")

    async def recorded(self, row_ids: Sequence[str]) -> set[str]:
        """Which of ``row_ids`` are recorded attempt rows (this default reads every row)."""
        wanted = set(row_ids)
        return {row.id for row in await self.rows() if row.id in wanted}
