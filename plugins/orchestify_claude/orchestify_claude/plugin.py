"""The ``anthropic`` provider type: orchestify's hooks on the official anthropic SDK.

Registered through the ``orchestify.providers`` entry point ``anthropic``; the core calls
these hooks only for ``anthropic`` providers. Importing this module does not import the
SDK; the first ``anthropic`` provider built does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    CatalogEntry,
    CompletionRequest,
    HealthStatus,
    LLMProvider,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    StreamEvent,
    TokenCount,
    hookimpl,
)

from . import _batch, _catalog, _models, _tokens
from ._client import close_client, create_client
from ._errors import raise_translated
from ._options import ClaudeOptions, Decode
from ._provider import ClaudeProvider
from ._request import build_params
from ._response import to_response
from ._sdk_warnings import hide_sdk_deprecation
from ._stream import stream_events
from ._wire import response_from_body
from ._wire_stream import wire_stream_events

if TYPE_CHECKING:
    import anthropic

    from orchestify_core.plugin import BatchItem, BatchItemResult, BatchPricing, BatchStatus

__all__ = [
    "orchestify_batch_cancel",
    "orchestify_batch_pricing",
    "orchestify_batch_results",
    "orchestify_batch_status",
    "orchestify_batch_submit",
    "orchestify_capabilities",
    "orchestify_close_client",
    "orchestify_complete",
    "orchestify_count_tokens",
    "orchestify_create_client",
    "orchestify_health_check",
    "orchestify_model_catalog",
    "orchestify_options_class",
    "orchestify_pricing",
    "orchestify_provider_class",
    "orchestify_stream",
    "orchestify_validate_model",
]


@hookimpl
def orchestify_options_class(provider_type: str) -> type[ClaudeOptions]:
    return ClaudeOptions


@hookimpl
def orchestify_model_catalog(
    provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
) -> list[CatalogEntry]:
    return _catalog.catalog(models, lifecycle_only)


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> anthropic.AsyncAnthropic:
    return create_client(provider)


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None]:
    return close_client(provider.client)


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider]:
    return ClaudeProvider


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    _models.validate_model(provider.provider_id, model)


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities:
    return _models.capabilities_for(model)


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    return _models.price_for(model)


@hookimpl
def orchestify_count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    return _tokens.count_tokens(provider, request, offline)


@hookimpl
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse]:
    hide_sdk_deprecation(request.model)
    options: ClaudeOptions = provider.options
    if options.decode is Decode.SDK:
        return _complete_sdk(provider.client, request, options)
    return _complete(provider.client, request, options, provider.observe_rate_limit_headers)


async def _complete(
    client: anthropic.AsyncAnthropic,
    request: CompletionRequest,
    options: ClaudeOptions,
    observe: Callable[[Any], None] | None = None,
) -> LLMResponse:
    """The SDK sends the request (and raises for an error status); the body is decoded here.
    ``observe`` gets the response's headers (the core learns rate limits from them)."""
    params = build_params(request, options)
    try:
        raw = await client.messages.with_raw_response.create(**params)
    except Exception as exc:
        raise_translated(exc)
    response = raw.http_response
    if observe is not None:
        observe(response.headers)
    return response_from_body(response.content, response.headers.get("content-type", ""), request)


async def _complete_sdk(
    client: anthropic.AsyncAnthropic, request: CompletionRequest, options: ClaudeOptions
) -> LLMResponse:
    """``decode: sdk``: the SDK parses the answer into its ``Message``."""
    params = build_params(request, options)
    try:
        message = await client.messages.create(**params)
    except Exception as exc:
        raise_translated(exc)
    return to_response(message, request)


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    hide_sdk_deprecation(request.model)
    options: ClaudeOptions = provider.options
    if options.decode is Decode.SDK:
        return stream_events(provider.client, request, options)
    return wire_stream_events(
        provider.client, request, options, provider.observe_rate_limit_headers
    )


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus]:
    return _health_check(provider.client)


async def _health_check(client: anthropic.AsyncAnthropic) -> HealthStatus:
    try:
        page = await client.models.list(limit=1)
    except Exception as exc:
        raise_translated(exc)
    listed = ", ".join(model.id for model in page.data) or "no models"
    return HealthStatus(ok=True, detail=f"models endpoint answered ({listed})")


# Message Batches: the work is in _batch.py.


@hookimpl
def orchestify_batch_submit(
    provider: ProviderContext, items: Sequence[BatchItem]
) -> Awaitable[BatchStatus]:
    return _batch.submit(provider.client, items, provider.options, provider.provider_id)


@hookimpl
def orchestify_batch_status(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return _batch.status(provider.client, batch_id, provider.provider_id)


@hookimpl
def orchestify_batch_results(
    provider: ProviderContext, batch_id: str
) -> AsyncIterator[BatchItemResult]:
    return _batch.results(provider.client, batch_id)


@hookimpl
def orchestify_batch_cancel(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return _batch.cancel(provider.client, batch_id, provider.provider_id)


@hookimpl
def orchestify_batch_pricing(provider: ProviderContext, model: str) -> BatchPricing:
    return _batch.batch_pricing(model)
