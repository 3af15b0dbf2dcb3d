"""OpenAI's Batch API: submit a batch, read its status, cancel it, state its price.

A batch is a JSONL file uploaded with purpose ``batch`` (one line per request: its
``custom_id``, ``POST``, ``/v1/chat/completions`` and the body), then
``batches.create(input_file_id=..., endpoint="/v1/chat/completions",
completion_window="24h")``. Each line's body is exactly what a ``complete()`` of the same
request sends (:func:`request_body` is built from :func:`._request.build_params`, the
plugin's one request translation). The results are read by :mod:`._batch_results`.

OpenAI's statuses in orchestify's words: ``validating`` and ``in_progress`` are
IN_PROGRESS, ``finalizing`` is ENDING, ``completed`` is ENDED; ``failed``, ``expired``,
``cancelling`` and ``cancelled`` keep their names. A batch costs half the standard price
(OpenAI's documented discount); the model's batch price comes from genai-prices when it
has one.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    BatchCounts,
    BatchItem,
    BatchPricing,
    BatchState,
    BatchStatus,
    CompletionRequest,
    ProviderContext,
    genai_prices,
    retry_after_from_headers,
)

from ._errors import translate_error
from ._options import OpenAIOptions
from ._request import build_params

if TYPE_CHECKING:
    from openai.types import Batch, BatchError

__all__ = [
    "BATCH_ENDPOINT",
    "PRICE_FACTOR",
    "batch_pricing",
    "batch_status",
    "cancel_batch",
    "input_file",
    "request_body",
    "submit_batch",
]

BATCH_ENDPOINT = "/v1/chat/completions"
PRICE_FACTOR = Decimal("0.5")
"""OpenAI's documented Batch API discount: half the standard price."""

INPUT_FILENAME = "orchestify-batch.jsonl"

# The SDK arguments of build_params that are not fields of the request body.
_NOT_BODY = frozenset({"timeout", "extra_headers", "extra_query", "extra_body"})

_STATES: Mapping[str, BatchState] = {
    "validating": BatchState.IN_PROGRESS,
    "in_progress": BatchState.IN_PROGRESS,
    "finalizing": BatchState.ENDING,
    "completed": BatchState.ENDED,
    "failed": BatchState.FAILED,
    "expired": BatchState.EXPIRED,
    "cancelling": BatchState.CANCELLING,
    "cancelled": BatchState.CANCELLED,
}

_END_TIMES = ("completed_at", "failed_at", "expired_at", "cancelled_at")


def request_body(request: CompletionRequest, options: OpenAIOptions) -> dict[str, Any]:
    """The JSON body ``chat.completions.create`` sends for ``request``: its arguments
    without the per-call transport settings, with ``extra_body`` merged in as the SDK does."""
    params = build_params(request, options)
    extra_body = params.get("extra_body")
    body = {key: value for key, value in params.items() if key not in _NOT_BODY}
    if isinstance(extra_body, Mapping):
        body.update(extra_body)
    return body


def input_file(items: Sequence[BatchItem], options: OpenAIOptions) -> bytes:
    """The JSONL input file of a batch: one request line per item, in order."""
    lines = [
        json.dumps(
            {
                "custom_id": item.custom_id,
                "method": "POST",
                "url": BATCH_ENDPOINT,
                "body": request_body(item.request, options),
            },
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        )
        for item in items
    ]
    return ("\n".join(lines) + "\n").encode()


async def submit_batch(provider: ProviderContext, items: Sequence[BatchItem]) -> BatchStatus:
    """Upload the input file and create the batch; the file is deleted again when the
    batch cannot be created."""
    import openai

    client = provider.client
    content = input_file(items, provider.options)
    try:
        uploaded = await client.files.create(
            file=(INPUT_FILENAME, content, "application/jsonl"), purpose="batch"
        )
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    try:
        raw = await client.batches.with_raw_response.create(
            input_file_id=uploaded.id, endpoint=BATCH_ENDPOINT, completion_window="24h"
        )
    except openai.OpenAIError as exc:
        with contextlib.suppress(openai.OpenAIError):
            await client.files.delete(uploaded.id)
        raise translate_error(exc) from exc
    return to_status(provider.provider_id, raw.parse(), raw.headers)


async def batch_status(provider: ProviderContext, batch_id: str) -> BatchStatus:
    """One poll: ``batches.retrieve``, with the answer's ``retry-after`` for the core."""
    import openai

    try:
        raw = await provider.client.batches.with_raw_response.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    return to_status(provider.provider_id, raw.parse(), raw.headers)


async def cancel_batch(provider: ProviderContext, batch_id: str) -> BatchStatus:
    """``batches.cancel``: the batch is ``cancelling`` until OpenAI stops it."""
    import openai

    try:
        raw = await provider.client.batches.with_raw_response.cancel(batch_id)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    return to_status(provider.provider_id, raw.parse(), raw.headers)


def batch_pricing(model: str) -> BatchPricing:
    """Half price, and the model's batch price where genai-prices has one."""
    return BatchPricing(
        price_factor=PRICE_FACTOR, price=genai_prices.price_for("openai", model, batch=True)
    )


def to_status(provider_id: str, batch: Batch, headers: Mapping[str, str]) -> BatchStatus:
    """The SDK's ``Batch`` in orchestify's words."""
    state = _STATES.get(batch.status, BatchState.IN_PROGRESS)
    return BatchStatus(
        id=batch.id,
        provider_id=provider_id,
        state=state,
        counts=_counts(batch, state),
        created_at=_time(batch.created_at),
        expires_at=_time(batch.expires_at),
        ended_at=next(
            (_time(getattr(batch, name)) for name in _END_TIMES if getattr(batch, name)), None
        ),
        retry_after=retry_after_from_headers(headers),
        provider_state=batch.status,
        detail=_failure(batch),
    )


def _failure(batch: Batch, shown: int = 3) -> str:
    """Why OpenAI refused the batch as a whole: its first validation errors, one line."""
    errors = batch.errors.data if batch.errors is not None else None
    if not errors:
        return ""
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "; ".join(_describe(error) for error in errors[:shown]) + more


def _describe(error: BatchError) -> str:
    where = f"line {error.line}: " if error.line is not None else ""
    text = f"{error.code or 'error'}: {error.message}" if error.message else error.code or "error"
    return where + text


def _counts(batch: Batch, state: BatchState) -> BatchCounts:
    """``request_counts`` in orchestify's words: what has not run is still processing, or,
    once the batch expired or was cancelled, expired or cancelled."""
    counts = batch.request_counts
    if counts is None:
        return BatchCounts()
    unrun = max(counts.total - counts.completed - counts.failed, 0)
    return BatchCounts(
        processing=0 if state.is_final else unrun,
        succeeded=counts.completed,
        errored=counts.failed,
        expired=unrun if state is BatchState.EXPIRED else 0,
        cancelled=unrun if state is BatchState.CANCELLED else 0,
    )


def _time(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None
