"""The hook implementations of the ``litellm`` provider type (the entry point's target).

Each hook answers only for providers of type ``litellm`` and returns None for the others.
litellm is imported by :func:`orchestify_create_client`, never at import time.
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

from . import _calls, _capabilities, _pricing, _stream
from ._client import LiteLLMClient
from ._import import load_litellm
from ._provider import PROVIDER_TYPE, LiteLLMProvider
from ._settings import settings_from_config

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


def _client(provider: ProviderContext) -> LiteLLMClient | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    client: LiteLLMClient = provider.client
    return client


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> object | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    settings = settings_from_config(provider.provider_id, provider.config)
    return LiteLLMClient(load_litellm(settings.quiet), settings, provider.provider_id)


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider] | None:
    return LiteLLMProvider if provider_type == PROVIDER_TYPE else None


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    client = _client(provider)
    if client is not None:
        client.route(model)


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities | None:
    client = _client(provider)
    if client is None:
        return None
    return _capabilities.capabilities(client.litellm, model, client.settings.custom_llm_provider)


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    client = _client(provider)
    if client is None:
        return None
    return _pricing.price(
        client.litellm, model, client.version, client.settings.custom_llm_provider
    )


@hookimpl
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse] | None:
    client = _client(provider)
    return _calls.complete(client, request) if client is not None else None


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent] | None:
    client = _client(provider)
    return _stream.stream(client, request) if client is not None else None


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus] | None:
    client = _client(provider)
    return _calls.health_check(client, provider.config) if client is not None else None


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None] | None:
    client = _client(provider)
    return _calls.close(client) if client is not None else None
