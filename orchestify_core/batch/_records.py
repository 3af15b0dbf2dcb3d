"""The records of a provider batch: what a plugin receives, what it answers.

A batch is a set of requests a provider runs asynchronously, usually within 24 hours, at a
discount (half price for Anthropic's Message Batches and OpenAI's Batch API). A plugin
translates these records to and from its provider's batch API; the core does everything
else (validation, pricing, accounting, the job record, polling).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import attrs

from ..errors import ProviderError
from ..models import CompletionRequest, LLMResponse, ModelPrice

__all__ = [
    "BatchCounts",
    "BatchItem",
    "BatchItemResult",
    "BatchOutcome",
    "BatchPricing",
    "BatchState",
    "BatchStatus",
]


@attrs.frozen
class BatchItem:
    """One request of a batch.

    Attributes:
        custom_id: The caller's id of the request, unique in the batch (1 to 64 letters,
            digits, ``-`` and ``_``: what every provider's batch API accepts). Its result
            carries the same id.
        request: The validated request, built like ``complete()``'s (``request.model`` is
            set); the plugin translates it with its usual request translation.
    """

    custom_id: str
    request: CompletionRequest


class BatchState(enum.StrEnum):
    """Where a batch is, in words common to every provider.

    ``ENDED``, ``FAILED``, ``EXPIRED`` and ``CANCELLED`` are final. Results can be read
    once a batch is ``ENDED``, ``EXPIRED`` or ``CANCELLED`` (the items that had finished;
    the others are reported as expired or cancelled). A ``FAILED`` batch never ran (the
    provider refused it as a whole, e.g. an invalid input file): every item is errored.
    """

    IN_PROGRESS = "in_progress"  # accepted, validating or running
    ENDING = "ending"  # every item finished; results being prepared (OpenAI's finalizing)
    ENDED = "ended"  # results ready (Anthropic's ended, OpenAI's completed)
    FAILED = "failed"  # refused as a whole
    EXPIRED = "expired"  # the provider's time limit passed; finished items have results
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def has_results(self) -> bool:
        """Whether the provider has (possibly partial) results to read."""
        return self in _WITH_RESULTS


_FINAL = frozenset({BatchState.ENDED, BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED})
_WITH_RESULTS = frozenset({BatchState.ENDED, BatchState.EXPIRED, BatchState.CANCELLED})


@attrs.frozen
class BatchCounts:
    """How many items of a batch are in each state (as the provider reports them)."""

    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    expired: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.processing + self.succeeded + self.errored + self.expired + self.cancelled


@attrs.frozen
class BatchStatus:
    """A batch as the provider last reported it.

    Attributes:
        id: The provider's batch id (``msgbatch_...``, ``batch_...``).
        provider_id: The registry id of the provider that runs it.
        state: Where it is, in common words.
        counts: Items per state.
        created_at: When the provider accepted it (UTC), when known.
        expires_at: When the provider gives up on unfinished items (UTC), when known.
        ended_at: When it reached a final state (UTC), when known.
        retry_after: Seconds the provider asked to wait before the next poll (a
            ``retry-after`` header), or None; polling honours it.
        provider_state: The provider's own word for the state (``validating``,
            ``finalizing``...), for display.
        detail: Why a batch failed, in one line (a provider's validation errors), or "";
            shown by ``orchestify batch status`` and carried by each item's error.
    """

    id: str
    provider_id: str
    state: BatchState
    counts: BatchCounts = BatchCounts()
    created_at: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    retry_after: float | None = None
    provider_state: str = ""
    detail: str = ""


class BatchOutcome(enum.StrEnum):
    """How one item of a batch ended."""

    SUCCEEDED = "succeeded"
    ERRORED = "errored"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@attrs.frozen
class BatchItemResult:
    """The result of one item, matched to its request by ``custom_id``.

    Attributes:
        custom_id: The id the request was submitted with.
        outcome: How it ended.
        response: The answer (``outcome`` SUCCEEDED), translated like a ``complete()``
            answer; its ``usage`` is what the batch price applies to.
        error: What went wrong (``outcome`` ERRORED, and optionally EXPIRED or CANCELLED),
            translated like a ``complete()`` error.
        cost: Set by the core, not the plugin: the item's cost at the batch price (None:
            unpriced; zero for an item without usage).
        collected_before: Set by the core: True when an earlier read of the job (in this
            process or one before a restart) already collected and accounted this result,
            so it was not accounted again.
    """

    custom_id: str
    outcome: BatchOutcome
    response: LLMResponse | None = None
    error: ProviderError | None = None
    cost: Decimal | None = None
    collected_before: bool = False


@attrs.frozen
class BatchPricing:
    """A plugin's statement of its batch prices (its ``orchestify_batch_pricing`` answer).

    Attributes:
        price_factor: The fraction of the standard price a batch item pays, as the
            provider's batch documentation states (``Decimal("0.5")``: half price). The core
            applies it to the standard price when ``price`` is None, and when the config's
            ``prices:`` overrides the model's standard price.
        price: The model's batch price from the plugin's price data (genai-prices' batch
            variant, ``genai_prices.price_for(..., batch=True)``), or None when the data
            has none.
    """

    price_factor: Decimal = attrs.field(converter=Decimal)
    price: ModelPrice | None = None

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) < self.price_factor <= Decimal(1):
            raise ValueError(f"batch price_factor must be in (0, 1], got {self.price_factor}")
