"""Submitting a batch: build every request, send them in one batch, record the job."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._boundary import typed_errors
from ..errors import BatchNotSupportedError
from ..ledger import CallLabels
from ..store._batch_jobs import BatchJobRow
from ._budget import check_budgets
from ._job import BatchJob
from ._records import BatchStatus
from ._requests import build_items

if TYPE_CHECKING:
    from ..provider import LLMProvider

__all__ = ["submit_batch"]

logger = logging.getLogger("orchestify_core.batch")


async def submit_batch(
    provider: LLMProvider,
    requests: Iterable[Mapping[str, Any]],
    tags: Mapping[str, str] | None = None,
) -> BatchJob:
    """Validate and build every request, check the batch's worst case against the budgets
    covering it, submit them as one batch, record the job.

    The submit is not retried: a batch sent twice would run (and be paid) twice.
    """
    labels = _labels(provider, tags)
    items = build_items(provider, requests)
    context = provider._context
    await check_budgets(provider, items, CallLabels(*labels))  # before anything is sent
    awaitable = provider._hooks.orchestify_batch_submit(provider=context, items=items)
    if awaitable is None:
        raise BatchNotSupportedError(provider.provider_id, provider.provider_type)
    with typed_errors(context, context.config.timeout):
        status: BatchStatus = await awaitable
    record = BatchJobRow(
        id=status.id,
        provider_id=provider.provider_id,
        provider_type=provider.provider_type,
        submitted_at=time.time(),
        models={item.custom_id: item.request.model for item in items},
        agent=labels[0],
        tags=labels[1],
    )
    job = BatchJob(provider, status.id, record)
    await job._journal.put(record)
    job.last_status = status
    logger.info("batch %s: %d requests submitted to %s", status.id, len(items),
                provider.provider_id)  # fmt: skip
    return job


def _labels(
    provider: LLMProvider, tags: Mapping[str, str] | None
) -> tuple[str | None, dict[str, str]]:
    """The agent and tags the batch's results are recorded with (the view's and the call's)."""
    from ..ledger import checked_tags

    merged = dict(provider._tags)
    if tags is not None:
        merged.update(checked_tags(tags))
    return provider._agent, merged
