"""Anthropic Message Batches (``/v1/messages/batches``) through the SDK's
``client.messages.batches``: orchestify's batch records to the wire and back.

Each item's ``params`` are what ``messages.create`` would get for the same request (the
plugin's one request translation); each succeeded result's message goes through the one
response translation, each errored result's error object through the error mapping, so a
batch answer is the same ``LLMResponse`` / ``ProviderError`` a synchronous call gives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    BatchCounts,
    BatchItem,
    BatchItemResult,
    BatchOutcome,
    BatchPricing,
    BatchState,
    BatchStatus,
    CompletionRequest,
    api_error,
    error_for_status,
    genai_prices,
    retry_after_from_headers,
)

from ._errors import raise_translated
from ._options import ClaudeOptions
from ._request import build_params
from ._response import to_response

if TYPE_CHECKING:
    import anthropic
    from anthropic.types.messages import MessageBatch, MessageBatchIndividualResponse

__all__ = ["BATCH_PRICE_FACTOR", "batch_pricing", "cancel", "results", "status", "submit"]

#: Message Batches cost half the standard price (Anthropic's pricing documentation).
BATCH_PRICE_FACTOR = Decimal("0.5")
_GENAI_PRICES_PROVIDER = "anthropic"
# Per-call settings of messages.create that are not part of a batch item's params.
_CALL_ONLY = ("timeout", "extra_headers", "extra_query")
_STATES = {
    "in_progress": BatchState.IN_PROGRESS,
    "canceling": BatchState.CANCELLING,
    "ended": BatchState.ENDED,
}
# An errored item's error type, as the HTTP status a synchronous call would have had.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def item_params(request: CompletionRequest, options: ClaudeOptions) -> dict[str, Any]:
    """A batch item's ``params``: ``messages.create``'s arguments, extra body merged in."""
    params = build_params(request, options)
    for name in _CALL_ONLY:
        params.pop(name, None)
    params.update(params.pop("extra_body", None) or {})
    return params


def to_status(batch: MessageBatch, provider_id: str, headers: Mapping[str, str]) -> BatchStatus:
    """The core's BatchStatus from a MessageBatch (and the answer's retry-after)."""
    state = _STATES.get(batch.processing_status, BatchState.IN_PROGRESS)
    if state is BatchState.ENDED and batch.cancel_initiated_at is not None:
        state = BatchState.CANCELLED
    counts = batch.request_counts
    return BatchStatus(
        id=batch.id,
        provider_id=provider_id,
        state=state,
        counts=BatchCounts(
            processing=counts.processing,
            succeeded=counts.succeeded,
            errored=counts.errored,
            expired=counts.expired,
            cancelled=counts.canceled,
        ),
        created_at=batch.created_at,
        expires_at=batch.expires_at,
        ended_at=batch.ended_at,
        retry_after=retry_after_from_headers(headers),
        provider_state=batch.processing_status,
    )


async def submit(
    client: anthropic.AsyncAnthropic,
    items: Sequence[BatchItem],
    options: ClaudeOptions,
    provider_id: str,
) -> BatchStatus:
    requests: Any = [
        {"custom_id": item.custom_id, "params": item_params(item.request, options)}
        for item in items
    ]
    try:
        raw = await client.messages.batches.with_raw_response.create(requests=requests)
    except Exception as exc:
        raise_translated(exc)
    return to_status(await raw.parse(), provider_id, raw.headers)


async def status(client: anthropic.AsyncAnthropic, batch_id: str, provider_id: str) -> BatchStatus:
    try:
        raw = await client.messages.batches.with_raw_response.retrieve(batch_id)
    except Exception as exc:
        raise_translated(exc)
    return to_status(await raw.parse(), provider_id, raw.headers)


async def cancel(client: anthropic.AsyncAnthropic, batch_id: str, provider_id: str) -> BatchStatus:
    try:
        raw = await client.messages.batches.with_raw_response.cancel(batch_id)
    except Exception as exc:
        raise_translated(exc)
    return to_status(await raw.parse(), provider_id, raw.headers)


async def results(
    client: anthropic.AsyncAnthropic, batch_id: str
) -> AsyncIterator[BatchItemResult]:
    """Every result line of the batch's JSONL results, translated."""
    try:
        lines = await client.messages.batches.results(batch_id)
        async for line in lines:
            yield to_result(line)
    except Exception as exc:
        raise_translated(exc)


def to_result(line: MessageBatchIndividualResponse) -> BatchItemResult:
    """One result line as the core's BatchItemResult."""
    result = line.result
    if result.type == "succeeded":
        message = result.message
        request = CompletionRequest(messages=(), model=message.model, max_tokens=1)
        return BatchItemResult(
            line.custom_id, BatchOutcome.SUCCEEDED, to_response(message, request)
        )
    if result.type == "errored":
        error = result.error.error
        status = _ERROR_STATUS.get(error.type, 500)
        message_text = f"Anthropic batch item error ({error.type}): {error.message}"
        translated = api_error(
            error_for_status(status), message_text, status_code=status, error_type=error.type
        )
        return BatchItemResult(line.custom_id, BatchOutcome.ERRORED, error=translated)
    if result.type == "expired":
        return BatchItemResult(line.custom_id, BatchOutcome.EXPIRED)
    return BatchItemResult(line.custom_id, BatchOutcome.CANCELLED)


def batch_pricing(model: str) -> BatchPricing:
    """Half price; genai-prices' batch price of the model where it has one."""
    price = genai_prices.price_for(_GENAI_PRICES_PROVIDER, model, batch=True)
    return BatchPricing(price_factor=BATCH_PRICE_FACTOR, price=price)
