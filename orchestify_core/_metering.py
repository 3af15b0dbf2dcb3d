"""The attempt driver's two calls into the usage ledger: reserve before, record after.

Only attempts of a provider with a ledger (``provider._meter``) come here; without one the
driver never imports this module's work and pays nothing per call.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

from .models import CompletionRequest, Usage
from .usage import Attempt, Outcome

if TYPE_CHECKING:
    from ._attempts import AttemptResult, AttemptScope
    from .provider import LLMProvider

__all__ = ["open_scope", "record_attempt"]


async def open_scope(
    provider: LLMProvider, request: CompletionRequest, result: AttemptResult
) -> AttemptScope:
    """The scope of an attempt of a provider with a usage ledger: the budgets' hold is
    taken first (BudgetExceededError before anything is sent), then the breaker's ticket."""
    from ._attempts import AttemptScope
    from .ledger import NO_LABELS

    meter = provider._meter
    assert meter is not None
    labels = result.labels or NO_LABELS
    hold = await meter.reserve(provider, request, labels)
    try:
        return AttemptScope(provider, request, hold, labels)
    except BaseException:
        if hold is not None:
            await meter.release(hold)
        raise


def record_attempt(
    scope: AttemptScope,
    outcome: Outcome,
    usage: Usage,
    cost: Decimal | None,
    latency: float,
    error: BaseException | None,
    served_model: str | None,
) -> asyncio.Task[None]:
    """Start the ledger's write of an accounted attempt (settling its hold)."""
    from .ledger import NO_LABELS

    attempt = Attempt(
        provider_id=scope.provider.provider_id,
        model=served_model or scope.request.model,
        outcome=outcome,
        usage=usage,
        cost=cost,
        latency_s=latency,
        error=type(error).__name__ if error is not None else None,
    )
    meter = scope.provider._meter
    assert meter is not None
    return meter.record(scope.provider, scope.labels or NO_LABELS, scope.hold, attempt)
