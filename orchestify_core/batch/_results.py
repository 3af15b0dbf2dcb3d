"""Collecting a batch's results: matched to the submitted ids, priced, accounted once.

Results come from the plugin in the provider's order. Each one whose custom id was
submitted is priced at the batch price and accounted (unless an earlier collection did),
then yielded; the submitted ids the provider has no result for are reported afterwards
with the outcome the batch's end implies (expired, cancelled, or errored), so every
request has exactly one result.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from .._boundary import typed_errors
from ..errors import APIError, BatchNotSupportedError
from ..scrub import scrub_exception_chain
from ..store._batch_jobs import BatchJobRow
from ._pricing import batch_price
from ._records import BatchItemResult, BatchOutcome, BatchState, BatchStatus

if TYPE_CHECKING:
    from ._job import BatchJob

__all__ = ["collect"]

logger = logging.getLogger("orchestify_core.batch")

_ZERO = Decimal(0)
_MISSING = {
    BatchState.EXPIRED: BatchOutcome.EXPIRED,
    BatchState.CANCELLED: BatchOutcome.CANCELLED,
}


async def collect(
    job: BatchJob, wait: bool, new_only: bool, polling: dict[str, Any]
) -> AsyncIterator[BatchItemResult]:
    """The results of ``job`` (see :meth:`BatchJob.results`)."""
    status = await job._final_status(wait, polling)
    record = await job.record()
    provider = job.provider
    row = record or BatchJobRow(job.id, provider.provider_id, provider.provider_type, 0.0)
    submitted = list(row.models)
    done = await job._journal.collected(job.id, submitted) if submitted else set()
    seen: set[str] = set()
    if status.state.has_results:
        async for result in _provider_results(job):
            if result.custom_id in seen or (record and result.custom_id not in row.models):
                logger.warning("batch %s: ignoring an unexpected or repeated result for %r",
                               job.id, result.custom_id)  # fmt: skip
                continue
            seen.add(result.custom_id)
            settled = await _settle(job, row, result, result.custom_id in done)
            if not (new_only and settled.collected_before):
                yield settled
    for custom_id in submitted:
        if custom_id not in seen:
            settled = await _settle(job, row, _missing(custom_id, status), custom_id in done)
            if not (new_only and settled.collected_before):
                yield settled


async def _provider_results(job: BatchJob) -> AsyncIterator[BatchItemResult]:
    provider = job.provider
    results = provider._hooks.orchestify_batch_results(provider=provider._context, batch_id=job.id)
    if results is None:
        raise BatchNotSupportedError(
            provider.provider_id,
            provider.provider_type,
            "its plugin does not implement orchestify_batch_results",
        )
    context = provider._context
    with typed_errors(context, context.config.timeout):
        async for result in results:
            yield result


def _missing(custom_id: str, status: BatchStatus) -> BatchItemResult:
    """The result of a submitted request the provider reported nothing for."""
    outcome = _MISSING.get(status.state, BatchOutcome.ERRORED)
    if status.state is BatchState.FAILED:
        why = f"the batch failed as a whole ({status.detail or status.provider_state or 'failed'})"
    elif outcome is BatchOutcome.ERRORED:
        why = "the provider returned no result for it"
    else:
        why = f"the batch was {status.state.value} before it ran"
    error = APIError(f"batch {status.id}: request {custom_id!r}: {why}",
                     provider_id=status.provider_id)  # fmt: skip
    return BatchItemResult(custom_id, outcome, error=error)


async def _settle(
    job: BatchJob, row: BatchJobRow, result: BatchItemResult, collected: bool
) -> BatchItemResult:
    """``result`` priced, and accounted unless it was ``collected`` before."""
    provider = job.provider
    response = result.response
    requested = row.models.get(result.custom_id) or provider.default_model
    model = response.model if response is not None else requested
    cost: Decimal | None = _ZERO
    if response is not None:
        price = batch_price(provider, model) or batch_price(provider, requested)
        cost = price.cost(response.usage) if price is not None else None
        response.cost_usd = cost
        response.provider_id = provider.provider_id
        response.provider_type = provider.provider_type
    if result.error is not None:
        scrub_exception_chain(result.error, provider._context.secrets)
        result.error.provider_id = result.error.provider_id or provider.provider_id
    if not collected:
        collected = not await job._journal.account(row, result, model, cost)
    return attrs.evolve(result, cost=cost, collected_before=collected)
