"""Where a provider's batch jobs are kept, and the once-only accounting of their results.

With a ledger (``ledger:`` in the config), jobs and results live in its store and outlive
the process; without one, in a memory store of the provider's own (shared by its views).
A result is accounted by writing its attempt row, whose id is the batch id and custom id
(``batch:<batch id>:<custom id>``): the store writes a row once and reports a second write
as a no-op, so recording the result as collected, adding its cost to the budgets and
deciding whether this process counts it in ``get_usage()`` are one atomic step. Two
processes (or one restarted) collecting the same batch count every result exactly once.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ..budgets import to_nano
from ..errors import LedgerUnavailableError
from ..models import Usage
from ..store import AttemptRow, Debit, LedgerStore, MemoryStore, StoreError
from ..store._batch_jobs import BatchJobRow, result_row_id
from ..usage import Outcome
from ._records import BatchItemResult, BatchOutcome

if TYPE_CHECKING:
    from ..budgets import Budget
    from ..context import ProviderContext
    from ..ledger import Ledger
    from ..provider import LLMProvider

__all__ = ["BATCH_TAG", "Journal"]

logger = logging.getLogger("orchestify_core.batch")

#: The tag every batch result's ledger row carries: the batch id.
BATCH_TAG = "batch_id"

_OUTCOMES = {
    BatchOutcome.SUCCEEDED: Outcome.COMPLETED,
    BatchOutcome.ERRORED: Outcome.ERROR,
    BatchOutcome.EXPIRED: Outcome.EXPIRED,
    BatchOutcome.CANCELLED: Outcome.CANCELLED,
}
_own_stores: weakref.WeakKeyDictionary[ProviderContext, MemoryStore] = weakref.WeakKeyDictionary()


def _own_store(provider: LLMProvider) -> MemoryStore:
    return _own_stores.setdefault(provider._context, MemoryStore())


class Journal:
    """A provider's batch jobs and collected results."""

    def __init__(self, provider: LLMProvider) -> None:
        self.provider = provider
        self.ledger: Ledger | None = provider.ledger
        self.store: LedgerStore = self.ledger.store if self.ledger else _own_store(provider)

    async def put(self, job: BatchJobRow) -> None:
        """Record a submitted job; where the store cannot, keep it in memory and say so."""
        try:
            await self.store.put_batch_job(job)
            return
        except NotImplementedError:
            logger.warning("%s; batch %s is kept in memory only", self.store.describe(), job.id)
        except StoreError as exc:
            logger.error(
                "batch %s was submitted but could not be recorded in the ledger (%s); it is "
                "kept in memory only: reattach with provider.batch_job(%r)",
                job.id, exc, job.id,
            )  # fmt: skip
        await _own_store(self.provider).put_batch_job(job)

    async def get(self, batch_id: str) -> BatchJobRow | None:
        """The recorded job, or None when neither the store nor memory has it."""
        try:
            job = await self.store.batch_job(batch_id)
        except NotImplementedError:
            job = None
        except StoreError as exc:
            raise _unavailable(exc) from exc
        if job is None:
            job = await _own_store(self.provider).batch_job(batch_id)
        return job

    async def collected(self, batch_id: str, custom_ids: Sequence[str]) -> set[str]:
        """The custom ids whose results were already accounted."""
        ids = {result_row_id(batch_id, cid): cid for cid in custom_ids}
        try:
            found = await self.store.recorded(list(ids))
        except StoreError as exc:
            raise _unavailable(exc) from exc
        return {ids[row_id] for row_id in found}

    async def account(self, job: BatchJobRow, result: BatchItemResult, model: str,
                      cost: Decimal | None) -> bool:  # fmt: skip
        """Account one result, once: True when this call recorded it, False when it was
        already recorded (by this process or another)."""
        provider = self.provider
        usage = result.response.usage if result.response is not None else Usage()
        tags: Mapping[str, str] = {**job.tags, BATCH_TAG: job.id}
        row = AttemptRow(
            id=result_row_id(job.id, result.custom_id), time=time.time(),
            provider_id=job.provider_id, provider_type=job.provider_type, model=model,
            outcome=str(_OUTCOMES[result.outcome]), agent=job.agent,
            input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens, cost=cost, estimated=usage.estimated,
            tags=tags, error=type(result.error).__name__ if result.error else None,
        )  # fmt: skip
        budgets: tuple[Budget, ...] = ()
        if self.ledger is not None:
            budgets = tuple(b for b in self.ledger.budgets
                            if b.covers(job.provider_id, job.agent, tags))  # fmt: skip
        nano = 0 if cost is None else to_nano(cost)
        debits = tuple(Debit(b.key(row.time), nano, usage.total_tokens) for b in budgets)
        try:
            spent = await self.store.settle(row, None, debits)
        except StoreError as exc:
            raise _unavailable(exc) from exc
        if spent is None:
            return False
        if spent and self.ledger is not None:
            await self.ledger._alert(budgets, debits, spent, row.time)
        provider._ledger.add(_OUTCOMES[result.outcome], usage, cost)
        return True


def _unavailable(exc: StoreError) -> LedgerUnavailableError:
    return LedgerUnavailableError(
        f"the batch's results cannot be collected: the usage ledger cannot be reached ({exc}); "
        "nothing was accounted, collect them again later"
    )
