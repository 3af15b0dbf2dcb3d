"""The hook specifications that provider plugins implement.

A provider plugin is a module (or object) registered under the entry-point group
``orchestify.providers``; the entry point's name is the provider ``type`` users write in YAML.
It implements these hooks with :data:`orchestify_core.hookimpl`.

Every hook receives a :class:`~orchestify_core.models.ProviderContext` named ``provider``.
Several plugins may be loaded at once, so an implementation first checks
``provider.provider_type`` and returns None for types it does not own. Most hooks are
``firstresult``: the call stops at the first non-None result, so a plugin registered with
``tryfirst=True`` can override another's answer, and a ``wrapper=True`` implementation sees
(and may replace) every result.

pluggy is synchronous: hooks that do I/O return an awaitable or an async iterator, which the
core awaits. The core makes one hook call per request, never one per streamed chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING

import pluggy

from .models import (
    CompletionRequest,
    HealthStatus,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    StreamEvent,
)

if TYPE_CHECKING:
    from .breaker import CircuitBreaker
    from .provider import LLMProvider
    from .retry import RetryPolicy

PROJECT_NAME = "orchestify"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def orchestify_create_client(provider: ProviderContext) -> object | None:
    """Create the provider's client (usually the SDK's async client).

    Called once when a provider of your type is built, before any other hook for it. The
    result is stored as ``provider.client`` and reused for every call. Import your SDK here,
    not at module import time, so that listing plugins and building registries for other
    types never pays for it. Do no network I/O.

    :param provider: The provider being built; ``provider.client`` is still None.
    :return: The client object, or None if the type is not yours.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None] | None:
    """Release the provider's client (connection pools, sockets).

    Called by ``LLMProvider.aclose()`` and ``ProviderRegistry.aclose()``.

    :param provider: The provider being closed.
    :return: An awaitable that closes the client, or None if the type is not yours.

    Stops at first non-None result.
    """


@hookspec
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    """Check that ``model`` is a model this provider can serve.

    Called the first time a provider is asked to use a model (its default model when the
    provider is built, then any model passed per call); the verdict is cached per model.
    Raise :class:`~orchestify_core.errors.RequestValidationError` with a message that says
    what is accepted. Return None otherwise (also for types that are not yours).

    :param provider: The provider.
    :param model: The model id to check.
    """


@hookspec(firstresult=True)
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities | None:
    """Declare what ``model`` can do: tools, vision, thinking, context window...

    Called once per provider and model (the answer is cached) for ``supports_tools()`` and
    friends and to check each request before it is sent. For a model you do not know,
    return ``ModelCapabilities(known=False, ...)`` with permissive guesses rather than None.

    :param provider: The provider.
    :param model: The model id.
    :return: The capabilities, or None if the type is not yours.

    Stops at first non-None result. Implement it with ``tryfirst=True`` to override a
    plugin's declaration.

    Example::

        @hookimpl
        def orchestify_capabilities(provider, model):
            if provider.provider_type != "mytype":
                return None
            return ModelCapabilities(tools=True, vision=False, context_window=32_000)
    """


@hookspec(firstresult=True)
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    """Give the price of ``model`` per million tokens.

    Called once per provider and model (the answer is cached), only when the provider's
    config has no ``prices`` override for the model. Return None when the model has no known
    price: the call is then accounted as *unpriced*, never as $0.

    :param provider: The provider.
    :param model: The model that served the call (as the provider reported it).
    :return: The price with its ``source``, or None.

    Stops at first non-None result; a ``tryfirst=True`` implementation overrides the plugin's.
    """


@hookspec(firstresult=True)
def orchestify_complete(
    provider: ProviderContext, request: CompletionRequest
) -> Awaitable[LLMResponse] | None:
    """Send one non-streaming request.

    Called once per attempt of ``LLMProvider.complete()``, after the request was validated
    against the model's capabilities. The core handles retries, timeouts, failover, usage and
    cost: do not retry here, and build the SDK client with its own retries off.

    :param provider: The provider; ``provider.client`` is your client.
    :param request: The validated request (``request.model`` is always set).
    :return: An awaitable of the :class:`LLMResponse` (use ``LLMResponse.from_parts``), or
        None if the type is not yours. The awaitable raises
        :class:`~orchestify_core.errors.ProviderError` subclasses, with the SDK's exception
        as ``__cause__``.

    Stops at first non-None result. A ``wrapper=True`` implementation sees every call and
    may wrap the awaitable (caching, tracing, budgets).
    """


@hookspec(firstresult=True)
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent] | None:
    """Send one streaming request.

    Called once per attempt of ``LLMProvider.stream()`` / ``stream_events()``, never per
    chunk.

    :param provider: The provider; ``provider.client`` is your client.
    :param request: The validated request.
    :return: An async iterator (an async generator) of events, or None if the type is not
        yours. Yield :class:`TextDelta`, :class:`ThinkingDelta`, :class:`RedactedThinking`,
        :class:`ToolCallDelta` and :class:`UsageEvent` as they arrive (a ``UsageEvent`` as
        soon as input tokens are known, so that a stream cut short is still accounted), and
        finish with one :class:`StreamEnd`. Close the SDK stream in ``finally`` so that a
        consumer that stops early releases the connection. Raise ProviderError subclasses.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_health_check(provider: ProviderContext) -> Awaitable[HealthStatus] | None:
    """Check that the provider can be reached with its credentials.

    Called by ``ProviderRegistry.from_config(..., validate_connectivity=True)`` and
    ``orchestify check --connectivity``. Prefer a cheap, free endpoint (a model listing or a
    token count) to a completion.

    :param provider: The provider.
    :return: An awaitable of :class:`HealthStatus`, or None if the type is not yours.

    Stops at first non-None result.
    """


@hookspec
def orchestify_attempt_finished(provider: ProviderContext, attempt: object) -> None:
    """Observe one finished attempt (for metrics, logs or budgets).

    Called exactly once per attempt, success or not, after its usage was accounted; the
    ``attempt`` is an :class:`orchestify_core.usage.Attempt` record. Keep it cheap.

    :param provider: The provider that made the attempt.
    :param attempt: The attempt record: outcome, usage, cost, model, error.
    """


@hookspec(firstresult=True)
def orchestify_provider_class(provider_type: str) -> type[LLMProvider] | None:
    """Name the :class:`LLMProvider` subclass that a registry builds for ``provider_type``.

    Called when a registry builds a provider from config, so that ``registry.get("x")`` is,
    say, a ``ClaudeProvider``. Return None for types that are not yours; the core then builds
    a plain :class:`LLMProvider`.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_retry_policy(provider: ProviderContext) -> RetryPolicy | None:
    """Make the retry policy of a provider (called once, when the provider is built).

    The core implements it (``trylast``) from the provider's ``retry:`` config; implement it
    to replace the policy. The object needs ``delay(error, retry_number) -> float | None``.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_circuit_breaker(provider: ProviderContext) -> CircuitBreaker | None:
    """Make the circuit breaker of a provider (called once, when the provider is built).

    The core implements it (``trylast``) from the provider's ``circuit_breaker:`` config,
    returning a breaker that never opens when the config has none. Implement it to replace
    the breaker; the object needs ``before_call()``, ``on_success()`` and
    ``on_failure(error)``.

    Stops at first non-None result.
    """
