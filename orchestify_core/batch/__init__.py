"""Provider batch APIs: submit many requests at once, at the batch price, and collect the
results later, across restarts (see docs/batches.md)."""

from __future__ import annotations

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
    "BatchOutcome",
    "BatchPricing",
    "BatchState",
    "BatchStatus",
]
