"""A batch against the budgets: refused at submission if its worst case does not fit.

A call holds its worst case while it runs; a batch runs for up to a day, and its results
are debited one by one as they are collected (possibly by another process), so nothing
stays held for it. What submission checks is that the whole batch's worst case (every
item's input, counted offline, plus its ``max_tokens``, at the batch price) fits every
budget covering the provider now, next to what is spent and held. The check takes a hold
and gives it back at once, through the same store operation calls use, so it sees the
other workers' holds and refuses exactly as a call would.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._counting import input_estimate
from ..budgets import worst_case
from ..store.base import StoreError
from ._pricing import batch_price

if TYPE_CHECKING:
    from ..ledger import CallLabels, Ledger
    from ..provider import LLMProvider
    from ._records import BatchItem

__all__ = ["check_budgets"]


async def check_budgets(
    provider: LLMProvider, items: Sequence[BatchItem], labels: CallLabels
) -> None:
    """Refuse the batch (:class:`BudgetExceededError`, nothing sent) if its worst case does
    not fit a budget covering it; a ledger that cannot be reached follows its
    ``when_unavailable`` policy, as calls do."""
    ledger: Ledger | None = provider._meter
    if ledger is None:
        return
    pid = provider.provider_id
    budgets = tuple(b for b in ledger.budgets if b.covers(pid, labels.agent, labels.tags))
    if not budgets:
        return
    nano = tokens = 0
    unpriced = False
    for item in items:
        price = batch_price(provider, item.request.model)
        unpriced = unpriced or price is None
        cost, count = worst_case(item.request, price, input_estimate(provider, item.request))
        nano, tokens = nano + cost, tokens + count
    what = f"the batch of {len(items)} requests to {pid}"
    now = time.time()
    charges = tuple(ledger.charge_for(b, now, nano, tokens, unpriced, what, pid) for b in budgets)
    try:
        refusal = await ledger.store.reserve(f"batch-check-{now}", charges, now, now + 60.0)
    except StoreError as exc:
        ledger.unavailable(exc)
        return
    if refusal is None:
        await ledger.store.release(f"batch-check-{now}", [charge.key for charge in charges])
        return
    budget = budgets[charges.index(refusal.charge)]
    from ..ledger import refusal_error

    raise refusal_error(refusal, budget, what, pid, now)
