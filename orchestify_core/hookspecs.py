"""The hook specifications that provider plugins implement.

A provider plugin is a module (or object) registered under the entry-point group
``orchestify.providers``; the entry point's name is the provider ``type`` users write in YAML.
It implements these hooks with :data:`orchestify_core.hookimpl`.

**Dispatch by type.** A hook about a provider reaches only the plugin that owns the
provider's type (the entry point its ``type:`` names) and the cross-cutting plugins
(registered with ``plugin_manager.register(obj)``: wrappers, observers, ``tryfirst``
overrides). A plugin never checks ``provider.provider_type``: for the owner, every hook call
is about one of its own providers.

Every provider hook receives a :class:`~orchestify_core.context.ProviderContext` named
``provider``. Most hooks are ``firstresult``: the call stops at the first non-None result,
so a cross-cutting plugin registered with ``tryfirst=True`` can override the owner's
answer, and a ``wrapper=True`` implementation sees (and may replace) every result. The
owner answering None where an answer is required is an error naming the plugin and hook.

pluggy is synchronous: hooks that do I/O (complete, stream, close_client, health_check)
*return* an awaitable or an async iterator, which the core awaits. Their implementations
must be plain functions; an ``async def`` is refused when the plugin registers. The core
makes one hook call per request, never one per streamed chunk.

Everything a plugin needs is importable from :mod:`orchestify_core.plugin`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import TYPE_CHECKING

import pluggy

from .context import ProviderContext
from .counting import TokenCount
from .events import StreamEvent
from .models import CompletionRequest, HealthStatus, LLMResponse, ModelCapabilities, ModelPrice

if TYPE_CHECKING:
    from ._config_ledger import LedgerConfig
    from .batch import BatchItem, BatchItemResult, BatchPricing, BatchStatus
    from .budgets import BudgetAlert
    from .calltrace import CallTrace
    from .catalog import CatalogEntry
    from .protocols import AttemptRecord, CircuitBreakerProtocol, RetryPolicyProtocol
    from .provider import LLMProvider
    from .store import LedgerStore

PROJECT_NAME = "orchestify"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def orchestify_create_client(provider: ProviderContext) -> object | None:
    """Create the provider's client (usually the SDK's async client).

    Called when a provider of your type is built (before the other hooks but
    ``orchestify_options_class``), and again for each further event loop that uses it:
    the core keeps one client per loop, and ``provider.client`` is always the current
    loop's. Import your SDK here, not at module import time, so that listing plugins and
    building registries for other types never pays for it. Do no network I/O. Read your
    settings from ``provider.options`` (typed) and ``provider.config``. If the SDK found a
    credential of its own (an environment variable), pass it to ``provider.add_secret`` so
    errors are scrubbed of it (a client's ``api_key`` attribute is added for you).

    An exception here becomes one ConfigError naming the provider.

    :param provider: The provider being built.
    :return: The client object (required).

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_close_client(provider: ProviderContext) -> Awaitable[None] | None:
    """Release the provider's client (connection pools, sockets).

    Called by ``LLMProvider.aclose()`` and ``ProviderRegistry.aclose()``.

    :param provider: The provider being closed; ``provider.client`` is the client of the
        event loop ``aclose()`` runs in.
    :return: An awaitable that closes the client, or None when there is nothing to close.

    Stops at first non-None result.
    """


@hookspec
def orchestify_validate_model(provider: ProviderContext, model: str) -> None:
    """Check that ``model`` is a model this provider can serve.

    Called the first time a provider is asked to use a model (its default model when the
    provider is built, then any model passed per call); the verdict is cached per model.
    Raise :class:`~orchestify_core.errors.RequestValidationError` with a message that says
    what is accepted. Return None otherwise.

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
    :return: The capabilities (None: the core assumes a permissive unknown model).

    Stops at first non-None result. A cross-cutting plugin implements it with
    ``tryfirst=True`` to override the owner's declaration.

    Example::

        @hookimpl
        def orchestify_capabilities(provider, model):
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
def orchestify_count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount] | None:
    """Count the input tokens of ``request`` (messages, system prompt, tools).

    Called by ``LLMProvider.count_tokens()`` (``offline`` as the caller asked), and with
    ``offline=True`` by the pre-flight check before a call whose cheap upper bound does not
    fit the model's context window, and by budget reservations. Like
    ``orchestify_complete``, write it as a plain function returning an awaitable (an
    ``async def`` is refused when the plugin registers).

    With ``offline=False`` the awaitable may ask the provider (a count endpoint); raise
    ProviderError subclasses like a completion does, the core types and scrubs the rest.
    With ``offline=True`` it must do **no I/O** and return quickly: the core drives the
    awaitable without an event loop, so it must finish without suspending (an ``async def``
    helper that awaits nothing); one that suspends is closed and the core's estimate used.

    :param provider: The provider; ``provider.client`` is your client.
    :param request: The request as ``complete()`` would send it (``request.model`` is set).
    :param offline: True: count locally (a tokenizer or an estimate), never call out.
    :return: An awaitable of :class:`~orchestify_core.counting.TokenCount` (``exact``
        says whether it is a count or an estimate; ``method`` how). None: the core
        estimates (about four characters a token, ``exact=False``).

    Stops at first non-None result.
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
    :param request: The validated request (``request.model`` is always set; pass
        ``request.timeout`` to the SDK's request; ``request.is_given(name)`` says which
        parameters the caller set).
    :return: An awaitable of the :class:`LLMResponse` (use ``LLMResponse.from_parts``).
        The awaitable raises :class:`~orchestify_core.errors.ProviderError` subclasses with
        the SDK's exception as ``__cause__`` (``raise ... from exc``); anything else it
        raises (a decode error on a malformed answer) is turned by the core into a
        retryable :class:`~orchestify_core.errors.MalformedResponseError`. The core scrubs
        every error of the provider's secrets.

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
    :return: An async iterator (an async generator) of events. Yield :class:`TextDelta`,
        :class:`ThinkingDelta`, :class:`RedactedThinking`, :class:`ToolCallDelta` and
        :class:`UsageEvent` as they arrive (a ``UsageEvent`` as soon as input tokens are
        known, so that a stream cut short is still accounted), and finish with one
        :class:`StreamEnd`. Close the SDK stream in ``finally`` so that a
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
    :return: An awaitable of :class:`HealthStatus` (None: the plugin has no health check).

    Stops at first non-None result.
    """


@hookspec
def orchestify_attempt_finished(provider: ProviderContext, attempt: AttemptRecord) -> None:
    """Observe one finished attempt (for metrics, logs or budgets).

    Called exactly once per attempt, success or not, after its usage was accounted. Keep
    it cheap. Usually implemented by a cross-cutting plugin.

    :param provider: The provider that made the attempt.
    :param attempt: The record (:class:`~orchestify_core.protocols.AttemptRecord`):
        ``provider_id``, ``model``, ``outcome``, ``usage``, ``cost``, ``latency_s``,
        ``error``.
    """


@hookspec(firstresult=True)
def orchestify_provider_class(provider_type: str) -> type[LLMProvider] | None:
    """Name the :class:`LLMProvider` subclass that a registry builds for ``provider_type``.

    Called when a registry builds a provider from config, so that ``registry.get("x")`` is,
    say, a ``ClaudeProvider``. Return None to have the core build a plain
    :class:`LLMProvider`.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_options_class(provider_type: str) -> type | None:
    """Name the attrs class of your type's ``options:`` (called once per provider built).

    The core structures the provider's ``options:`` mapping into it with the config's
    strict converter (unknown keys refused, with a "did you mean"), so a bad option is a
    ConfigError ``file:line: providers.ID.options.KEY: ...`` before any client is built.
    The instance is ``provider.options`` in every hook. Return None to receive the raw
    mapping instead.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_model_catalog(
    provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
) -> Sequence[CatalogEntry] | None:
    """List the models your type knows, with limits, prices and lifecycle dates.

    Called without a provider, config or key (``orchestify models`` lists the catalog of
    every installed plugin), and by the core the first time a provider uses a model, to
    warn once if it is deprecated. Build it from your model table, your SDK's own data and
    genai-prices, with no network I/O; import as little as you can (``orchestify models``
    should stay fast): read an SDK's data files rather than importing the whole SDK.

    :param provider_type: Your type.
    :param models: None: every model you know. Otherwise just these ids (an entry for each
        one you know, under the id asked for, so a large catalog is not built for a
        lookup).
    :param lifecycle_only: The caller reads only ``deprecated``, ``end_of_life``,
        ``lifecycle_source`` and ``replacement`` (the core's check when a provider first
        uses a model, which must not slow its construction): leave ``price`` None and
        load no price table.
    :return: :class:`~orchestify_core.catalog.CatalogEntry` records (lifecycle with its
        ``lifecycle_source``, prices with their ``source``); None: the plugin has no
        catalog.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_retry_policy(provider: ProviderContext) -> RetryPolicyProtocol | None:
    """Make the retry policy of a provider (called once, when the provider is built).

    The core implements it (``trylast``) from the provider's ``retry:`` config; implement it
    to replace the policy. The object must have what
    :class:`~orchestify_core.protocols.RetryPolicyProtocol` lists: ``max_retries``,
    ``delay(error, retry_number) -> float | None`` and ``sleep(seconds) -> Awaitable``.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_circuit_breaker(provider: ProviderContext) -> CircuitBreakerProtocol | None:
    """Make the circuit breaker of a provider (called once, when the provider is built).

    The core implements it (``trylast``) from the provider's ``circuit_breaker:`` config,
    returning a breaker that never opens when the config has none. Implement it to replace
    the breaker; the object must have what
    :class:`~orchestify_core.protocols.CircuitBreakerProtocol` lists: ``before_call() ->
    ticket`` and ``after_call(ticket, error)``, called exactly once per admitted attempt.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_ledger_store(config: LedgerConfig) -> LedgerStore | None:
    """Make the usage ledger's store for the config's ``ledger:`` section.

    Called once per registry built from a config with a ``ledger:`` (or ``budgets:``)
    section. Return a :class:`~orchestify_core.store.LedgerStore` for a ``backend`` name
    you provide (read your settings from ``config.options``), or None for another name: the
    core's own backends (``memory``, ``sqlite``, ``redis``) answer last. Do no I/O here;
    connect on first use. The store's ``reserve`` must be atomic across every process
    sharing it (see docs/ledger.md).

    Stops at first non-None result.
    """


@hookspec
def orchestify_budget_alert(alert: BudgetAlert) -> None:
    """Observe a budget passing one of its alert thresholds.

    Called once per budget, threshold and period across every process sharing the ledger
    (the store claims each alert once), after the attempt that crossed it was recorded. The
    core also logs it as a WARNING. ``alert.status`` holds the spend, what is reserved, the
    spend rate and the projected end-of-period spend. Keep it cheap: it runs on the event
    loop of the call that crossed the threshold.
    """


@hookspec
def orchestify_call_started(provider: ProviderContext, call: CallTrace) -> None:
    """Observe a call beginning (``complete()``, ``stream()``, ``stream_events()``).

    Called once per call, before its first attempt, in the caller's task (a tracer reads
    the caller's current span here as the call's parent and keeps what it needs in
    ``call.annotations``). Only when some plugin implements this hook or
    ``orchestify_call_finished`` is a :class:`~orchestify_core.calltrace.CallTrace` built
    at all. Keep it cheap; never called per streamed chunk.

    :param provider: The provider called (the first of the chain).
    :param call: The call: its request, whether it streams, when it started.
    """


@hookspec
def orchestify_call_finished(provider: ProviderContext, call: CallTrace) -> None:
    """Observe a call's end: ``call.attempts`` holds every attempt (retries and failovers,
    each with its provider, times, outcome, usage and error), ``call.response`` the answer
    or ``call.error`` what the call raised (``GeneratorExit``/``CancelledError`` when the
    caller stopped it).

    Called exactly once per call for which ``orchestify_call_started`` was called, after
    the last attempt was accounted, in the task that consumed the call.

    :param provider: The provider called (the first of the chain).
    :param call: The finished call.
    """


# ---------------------------------------------------------------------- batches
#
# A provider batch API (see docs/batches.md): the plugin translates; the core validates and
# builds the requests, prices and accounts each result exactly once, records the job in the
# ledger store and polls. A plugin without a batch API implements none of these hooks: the
# owner answering None to ``orchestify_batch_submit`` raises BatchNotSupportedError.


@hookspec(firstresult=True)
def orchestify_batch_submit(
    provider: ProviderContext, items: Sequence[BatchItem]
) -> Awaitable[BatchStatus] | None:
    """Submit a batch: one request per item, each with its ``custom_id``.

    Called by ``LLMProvider.batch()`` once, after every request was validated and built like
    ``complete()``'s (``item.request.model`` is set; translate it with your usual request
    translation). Do not retry here; the core does not retry a submit either (a batch sent
    twice would be paid twice).

    :param provider: The provider; ``provider.client`` is your client.
    :param items: The requests, custom ids unique.
    :return: An awaitable of the new batch's :class:`BatchStatus` (its ``id`` is the
        provider's batch id), raising ProviderError subclasses; None: the plugin has no
        batch API (the core raises :class:`~orchestify_core.errors.BatchNotSupportedError`).

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_batch_status(
    provider: ProviderContext, batch_id: str
) -> Awaitable[BatchStatus] | None:
    """Read a batch's status (one poll).

    :param provider: The provider.
    :param batch_id: The provider's batch id, as the submit returned it.
    :return: An awaitable of its :class:`BatchStatus`; set ``retry_after`` from the answer's
        ``retry-after`` header when it has one (polling honours it). None: no batch API.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_batch_results(
    provider: ProviderContext, batch_id: str
) -> AsyncIterator[BatchItemResult] | None:
    """Read the results of a batch whose state ``has_results``.

    Called by the core only when the batch is ENDED, EXPIRED or CANCELLED, possibly more
    than once (after a restart): yield every result the provider has, in its order, each
    translated like a ``complete()`` answer (a response with its usage) or error. The core
    matches them to the submitted ids, reports submitted ids the provider has no result for
    as expired / cancelled, accounts each result once and skips those already collected.

    :param provider: The provider.
    :param batch_id: The provider's batch id.
    :return: An async iterator (an async generator) of :class:`BatchItemResult`; None: no
        batch API.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_batch_cancel(
    provider: ProviderContext, batch_id: str
) -> Awaitable[BatchStatus] | None:
    """Ask the provider to cancel a batch (items already finished keep their results).

    :param provider: The provider.
    :param batch_id: The provider's batch id.
    :return: An awaitable of the batch's status after the request (usually CANCELLING);
        None: no batch API.

    Stops at first non-None result.
    """


@hookspec(firstresult=True)
def orchestify_batch_pricing(provider: ProviderContext, model: str) -> BatchPricing | None:
    """State the batch price of ``model``: the provider's documented batch price factor
    (``Decimal("0.5")``) and, when the price data has one, the model's batch price.

    Called once per provider and model (cached). The core prices a batch item at: the
    config's ``prices:`` override times ``price_factor`` when the config has one, else
    ``price`` when given, else the standard price (``orchestify_pricing``) times
    ``price_factor``. None: the items are priced at the standard price (never undercounted).

    Stops at first non-None result; a ``tryfirst=True`` implementation overrides the plugin's.
    """
