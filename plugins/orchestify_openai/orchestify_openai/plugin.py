"""The hook implementations of the ``openai`` provider type (the entry point's target).

Each hook answers only for providers of type ``openai`` and returns None for the others.
The SDK is imported by :func:`orchestify_create_client`, never at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable

from orchestify_core.hookspecs import hookimpl
from orchestify_core.models import (
    CompletionRequest,
    HealthStatus,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    StreamEvent,
)
from orchestify_core.provider import LLMProvider

from . import _calls, _pricing, _stream
from ._capabilities import profile
from ._client import create_client
from ._provider import PROVIDER_TYPE, OpenAIProvider
from ._validation import validate_model

__all__ = [
    "orchestify_capabilities",
    "orchestify_close_client",
    "orchestify_complete",
    "orchestify_create_client",
    "orchestify_health_check",
    "orchestify_pricing",
    "orchestify_provider_class",
    "orchestify_stream",
    "orchestify_validate_model",
]


def _ours(provider: ProviderContext) -> bool:
    return provider.provider_type == PROVIDER_TYPE


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> object | None:
    return create_client(provider) if _ours(provider) else None


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider] | None:
    return OpenAIProvider if provider_type == PROVIDER_TYPE else None


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    if _ours(provider):
        validate_model(provider.provider_id, provider.config, model)


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities | None:
    return profile(model).capabilities if _ours(provider) else None


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    return _pricing.price(model) if _ours(provider) else None


@hookimpl
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse] | None:
    return _calls.complete(provider, request) if _ours(provider) else None


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent] | None:
    return _stream.stream(provider, request) if _ours(provider) else None


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus] | None:
    return _calls.health_check(provider) if _ours(provider) else None


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None] | None:
    return _calls.close(provider) if _ours(provider) else None
