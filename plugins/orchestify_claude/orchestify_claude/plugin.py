"""The ``anthropic`` provider type: orchestify's hooks on the official anthropic SDK.

Registered through the ``orchestify.providers`` entry point ``anthropic``. Importing this
module does not import the SDK; the first ``anthropic`` provider built does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, NoReturn

from orchestify_core import (
    CompletionRequest,
    HealthStatus,
    LLMProvider,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    RequestValidationError,
    StreamEnd,
    hookimpl,
)
from orchestify_core.models import StreamEvent

from ._capabilities import capabilities_for
from ._client import create_client, options_for, options_of, remember_options
from ._errors import translate_error
from ._messages import build_params
from ._pricing import price_for
from ._provider import PROVIDER_TYPE, ClaudeProvider
from ._responses import response_from_message
from ._stream import StreamTranslator

if TYPE_CHECKING:
    import anthropic

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

MODEL_PREFIX = "claude-"


def _client(provider: ProviderContext) -> anthropic.AsyncAnthropic | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    client: anthropic.AsyncAnthropic = provider.client
    return client


def _raise_translated(exc: Exception, provider: ProviderContext) -> NoReturn:
    """Raise the orchestify error for an SDK exception (``exc`` itself if it is not one)."""
    key = provider.config.api_key
    translated = translate_error(exc, key.get_secret_value() if key is not None else None)
    if translated is None:
        raise exc
    raise translated from exc


# --------------------------------------------------------------------------- lifecycle


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> anthropic.AsyncAnthropic | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    options = options_of(provider)  # a bad option fails the build, not the first call
    client = create_client(provider)
    remember_options(provider, client, options)  # parsed once, not on every call
    return client


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None] | None:
    client = _client(provider)
    return None if client is None else client.close()


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider] | None:
    return ClaudeProvider if provider_type == PROVIDER_TYPE else None


# --------------------------------------------------------------------------- models


@hookimpl
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    if provider.provider_type != PROVIDER_TYPE:
        return
    if not model.startswith(MODEL_PREFIX):
        raise RequestValidationError(
            f"model {model!r} is not a Claude model: provider {provider.provider_id!r} "
            f"(type 'anthropic') accepts model ids that start with {MODEL_PREFIX!r}, "
            "like 'claude-sonnet-4-5'"
        )


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    return capabilities_for(model)


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    if provider.provider_type != PROVIDER_TYPE:
        return None
    return price_for(model)


# --------------------------------------------------------------------------- requests


@hookimpl
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse] | None:
    client = _client(provider)
    if client is None:
        return None
    return _complete(client, provider, request)


async def _complete(
    client: anthropic.AsyncAnthropic, provider: ProviderContext, request: CompletionRequest
) -> LLMResponse:
    params = build_params(request, send_temperature=options_for(provider).send_temperature)
    try:
        message = await client.messages.create(**params)
    except Exception as exc:
        _raise_translated(exc, provider)
    return response_from_message(message)


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent] | None:
    client = _client(provider)
    if client is None:
        return None
    return _stream(client, provider, request)


async def _stream(
    client: anthropic.AsyncAnthropic, provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    params = build_params(request, send_temperature=options_for(provider).send_temperature)
    translator = StreamTranslator(request.model)
    feed = translator.feed
    sdk_stream = None
    end: StreamEvent | None = None
    try:
        try:
            sdk_stream = await client.messages.create(stream=True, **params)
            async for sdk_event in sdk_stream:
                event = feed(sdk_event)
                if event is not None:
                    if type(event) is StreamEnd:
                        # Held until the SDK has read the body to its end: a consumer that
                        # stops at StreamEnd would otherwise close an unfinished response,
                        # and the HTTP client would drop the connection, not pool it.
                        end = event
                    else:
                        yield event
        except Exception as exc:
            _raise_translated(exc, provider)
        if end is not None:
            yield end
    finally:
        if sdk_stream is not None:
            await sdk_stream.close()


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus] | None:
    client = _client(provider)
    if client is None:
        return None
    return _health_check(client, provider)


async def _health_check(
    client: anthropic.AsyncAnthropic, provider: ProviderContext
) -> HealthStatus:
    try:
        page = await client.models.list(limit=1)
    except Exception as exc:
        _raise_translated(exc, provider)
    listed = ", ".join(model.id for model in page.data) or "no models"
    return HealthStatus(ok=True, detail=f"models endpoint answered ({listed})")
