"""The hook implementations of the ``openai`` provider type (the entry point's target).

The core calls these hooks only for providers of type ``openai``. Each one hands over to
the module that does the job; the SDK is imported when the first client is built, never
at import time.
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

from . import _catalog, _client, _models, _stream, _tokens, _wire_stream
from ._batch import batch_pricing, batch_status, cancel_batch, submit_batch
from ._batch_results import batch_results
from ._errors import translate_error
from ._options import Decode, OpenAIOptions
from ._provider import OpenAIProvider
from ._request import build_params
from ._response import to_response
from ._wire import response_from_body

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
def orchestify_options_class(provider_type: str) -> type[OpenAIOptions]:
    return OpenAIOptions


@hookimpl
def orchestify_model_catalog(
    provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
) -> list[CatalogEntry]:
    return _catalog.catalog(models, lifecycle_only)


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> object:
    return _client.create_client(provider)


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider]:
    return OpenAIProvider


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    _models.validate_model(provider, model)


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
    options: OpenAIOptions = provider.options
    if options.decode is Decode.SDK:
        return _complete_sdk(provider, request)
    return _complete(provider, request)


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    options: OpenAIOptions = provider.options
    if options.decode is Decode.SDK:
        return _stream.stream(provider, request)
    return _wire_stream.wire_stream(provider, request)


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus]:
    return _health_check(provider)


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None]:
    return _client.close_client(provider.client)


@hookimpl
def orchestify_batch_submit(
    provider: ProviderContext, items: Sequence[BatchItem]
) -> Awaitable[BatchStatus]:
    return submit_batch(provider, items)


@hookimpl
def orchestify_batch_status(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return batch_status(provider, batch_id)


@hookimpl
def orchestify_batch_results(
    provider: ProviderContext, batch_id: str
) -> AsyncIterator[BatchItemResult]:
    return batch_results(provider, batch_id)


@hookimpl
def orchestify_batch_cancel(provider: ProviderContext, batch_id: str) -> Awaitable[BatchStatus]:
    return cancel_batch(provider, batch_id)


@hookimpl
def orchestify_batch_pricing(provider: ProviderContext, model: str) -> BatchPricing:
    return batch_pricing(model)


async def _complete(provider: ProviderContext, request: CompletionRequest) -> LLMResponse:
    """One ``chat.completions.create`` call: the SDK sends it (and raises for an error
    status), the body is decoded here."""
    import openai

    params = build_params(request, provider.options)
    try:
        raw = await provider.client.chat.completions.with_raw_response.create(**params)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    response = raw.http_response
    provider.observe_rate_limit_headers(response.headers)  # the core learns rate limits
    return response_from_body(response.content, response.headers.get("content-type", "*"), request)


async def _complete_sdk(provider: ProviderContext, request: CompletionRequest) -> LLMResponse:
    """``decode: sdk``: the SDK parses the answer into its ``ChatCompletion``."""
    import openai

    params = build_params(request, provider.options)
    try:
        answer = await provider.client.chat.completions.create(**params)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    return to_response(answer, request)


async def _health_check(provider: ProviderContext) -> HealthStatus:
    """List the models: a free call that needs a valid key (the core reports a failure)."""
    import openai

    try:
        page = await provider.client.models.list()
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    return HealthStatus(ok=True, detail=f"{len(page.data)} models available")
