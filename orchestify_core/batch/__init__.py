"""Provider batch APIs: submit many requests at once, at the batch price, and collect the
results later, across restarts (see docs/batches.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._records import (
    BatchCounts,
    BatchItem,
    BatchItemResult,
    BatchOutcome,
    BatchPricing,
    BatchState,
    BatchStatus,
)

__all__ = [
    "BatchCounts",
    "BatchItem",
    "BatchItemResult",
    "BatchJob",
    "BatchOutcome",
    "BatchPricing",
    "BatchState",
    "BatchStatus",
]

if TYPE_CHECKING:
    from ._job import BatchJob


def __getattr__(name: str) -> Any:
    if name == "BatchJob":  # imported on first use: it brings the ledger's store with it
        from ._job import BatchJob

        return BatchJob
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
