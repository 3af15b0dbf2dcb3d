"""The hook implementations of the ``litellm`` provider type (the entry point's target).

Each hook is a line or two calling the modules that do the work. litellm is imported by
:func:`orchestify_create_client`, never when this module is imported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence

from orchestify_core.plugin import (
    BatchItem,
    BatchItemResult,
    BatchPricing,
    BatchStatus,
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

from . import _batch, _batch_results, _catalog, _client, _models, _request, _stream, _tokens
from ._options import LiteLLMOptions
from ._provider import LiteLLMProvider

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
def orchestify_options_class(provider_type: str) -> type[LiteLLMOptions]:
    return LiteLLMOptions


@hookimpl
def orchestify_model_catalog(
    provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
) -> list[CatalogEntry]:
    return _catalog.catalog(models, lifecycle_only)


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> _client.LiteLLMClient:
    return _client.create_client(provider)


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider]:
    return LiteLLMProvider


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    _models.validate_model(provider.client, model)


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities:
    return _models.capabilities_for(provider.client, model)


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    return _models.price_for(provider.client, model)


@hookimpl
def orchestify_count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    return _tokens.count_tokens(provider, request, offline)


@hookimpl
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse]:
    return _request.complete(provider.client, request, provider.observe_rate_limit_headers)


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    return _stream.stream(provider.client, request, provider.observe_rate_limit_headers)


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus]:
    return _client.health_check(provider.client, provider.config.default_model)


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None]:
    return _client.close_client(provider)


@hookimpl
def orchestify_batch_submit(
    provider: ProviderContext, items: Sequence[BatchItem]
) -> Awaitable[BatchStatus]:
    _batch.check_routes(provider, items)  # a route LiteLLM does not batch: refused here
    return _batch.submit_batch(provider, items)


@hookimpl
def orchestify_batch_status(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return _batch.batch_status(provider, batch_id)


@hookimpl
def orchestify_batch_results(
    provider: ProviderContext, batch_id: str
) -> AsyncIterator[BatchItemResult]:
    return _batch_results.batch_results(provider, batch_id)


@hookimpl
def orchestify_batch_cancel(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return _batch.cancel_batch(provider, batch_id)


@hookimpl
def orchestify_batch_pricing(provider: ProviderContext, model: str) -> BatchPricing:
    return _batch.batch_pricing()
