"""LLMProvider: the object an engine holds, routing every call through the plugin hooks.

One provider = one configured endpoint (its plugin's client, usage ledger, retry policy and
circuit breaker). A call is validated against the model's capabilities before anything is
sent, then attempted through ``orchestify_complete`` / ``orchestify_stream`` with the layer's
retries, whole-call timeout and failover to the configured fallbacks. Every attempt is
accounted exactly once, in ``finally``, whatever ends it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pluggy

from . import _counting
from ._attempts import CallSettings, complete_attempt, drive, stream_attempt
from ._client_start import start_client
from ._fleet import local_gate
from ._provider_models import ModelKnowledge
from .config import ProviderConfig, config_from_settings
from .context import ProviderContext
from .errors import (
    APIConnectionError,
    RequestValidationError,
)
from .events import StreamDone
from .models import (
    CompletionRequest,
    HealthStatus,
    LLMMessage,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ToolDefinition,
)
from .plugins import as_host, default_plugin_manager, ensure_provider_type
from .requests import CallArgs, CallDefaults, build_request
from .streaming import EventStream, TextStream
from .usage import TokenUsage, UsageLedger

if TYPE_CHECKING:
    from ._admission import Gate
    from .batch import BatchJob
    from .cache import ProviderCache
    from .counting import TokenCount
    from .ledger import Ledger

__all__ = ["CallDefaults", "LLMProvider"]


class LLMProvider(ModelKnowledge):
    """One configured provider.

    Build it from a :class:`ProviderConfig` (``LLMProvider(config)``), from settings
    (``ClaudeProvider(api_key="...", default_model="claude-sonnet-4-6")``), or let a
    :class:`~orchestify_core.registry.ProviderRegistry` build it from YAML.

    The plugin of the provider's type is loaded on construction (only that one), and its
    client is created once and reused.
    """

    #: The provider type a subclass stands for (``ClaudeProvider`` sets ``"anthropic"``).
    default_type: ClassVar[str | None] = None

    def __init__(
        self,
        config: ProviderConfig | None = None,
        *,
        provider_id: str | None = None,
        plugin_manager: pluggy.PluginManager | None = None,
        **settings: Any,
    ) -> None:
        if config is None:
            config = config_from_settings(self.default_type, provider_id, settings)
        elif settings:
            raise TypeError("pass either a ProviderConfig or settings, not both")
        if self.default_type is not None and config.type != self.default_type:
            raise RequestValidationError(
                f"{type(self).__name__} serves type {self.default_type!r}, not {config.type!r}"
            )
        host = as_host(plugin_manager or default_plugin_manager())
        ensure_provider_type(host, config.type)
        self._host = host
        self._hooks = host.hooks_for(config.type)
        pid = provider_id or config.type
        self._context = ProviderContext(
            pid, config.type, config, options=self._options(config, pid)
        )
        for value in config.secret_values():  # the key, masked headers and options
            self._context.add_secret(value)
        start_client(host, self._hooks, self._context)
        self._ledger = UsageLedger()
        self._retry = self._hooks.orchestify_retry_policy(provider=self._context)
        self._breaker = self._hooks.orchestify_circuit_breaker(provider=self._context)
        self._capabilities: dict[str, ModelCapabilities] = {}
        self._prices: dict[str, ModelPrice | None] = {}
        self._valid_models: set[str] = set()
        self._fallbacks: tuple[LLMProvider, ...] = ()
        self._defaults = CallDefaults()
        self._meter: Ledger | None = None
        self._gate: Gate | None = local_gate(self) if config.rate_limits is not None else None
        self._agent: str | None = None
        self._tags: Mapping[str, str] = {}
        self._cache: ProviderCache | None = None  # the response cache (docs/cache.md)
        self.validate_model(config.default_model)

    def _options(self, config: ProviderConfig, provider_id: str) -> Any:
        """The plugin's typed options, parsed from the config's ``options:``."""
        options_class = self._hooks.orchestify_options_class(provider_type=config.type)
        if options_class is None:
            return None
        from .config import structure_options

        return structure_options(options_class, config, provider_id)

    # ------------------------------------------------------------------ identity

    @property
    def config(self) -> ProviderConfig:
        return self._context.config

    @property
    def client(self) -> Any:
        """The plugin's client (the SDK client), for what the layer does not cover."""
        return self._context.client

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} id={self.provider_id!r} type={self.provider_type!r} "
            f"model={self.default_model!r}>"
        )

    def bind(
        self,
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        thinking: bool | None = None,
        system: str | None = None,
        agent: str | None = None,
        tags: Mapping[str, str] | None = None,
        cache: bool | None = None,
    ) -> LLMProvider:
        """A view of this provider with other defaults; it shares client, usage and breaker.

        ``agent`` and ``tags`` are recorded in the usage ledger with the view's calls (the
        tags are added to those a call passes itself). ``cache`` turns the response cache
        on or off for the view's calls (a call's own ``cache=`` still wins).
        """
        if model is not None:
            self.validate_model(model)
        view = copy.copy(self)
        if cache is not None:
            from .cache.core import bind_cache

            view._cache = bind_cache(self, cache)
        if agent is not None:
            view._agent = agent
        if tags is not None:
            from .ledger import checked_tags

            view._tags = {**self._tags, **checked_tags(tags)}
        old = self._defaults
        view._defaults = CallDefaults(
            model=old.model if model is None else model,
            temperature=old.temperature if temperature is None else temperature,
            max_tokens=old.max_tokens if max_tokens is None else max_tokens,
            thinking=old.thinking if thinking is None else thinking,
            system=old.system if system is None else system,
        )
        return view

    def set_ledger(self, ledger: Ledger | None) -> None:
        """Record this provider's attempts in ``ledger`` and hold its calls to its budgets
        (the registry sets it from the config's ``ledger:`` and ``budgets:``)."""
        self._meter = ledger

    @property
    def ledger(self) -> Ledger | None:
        """The usage ledger the provider records in, if any."""
        return self._meter

    def _settings(
        self,
        max_retries: int | None,
        fallbacks: Sequence[LLMProvider] | None,
        tags: Mapping[str, str] | None,
    ) -> CallSettings:
        if self._meter is None and tags is None:  # the hot path without a ledger
            return CallSettings(max_retries, fallbacks)
        from .ledger import CallLabels, checked_tags

        if tags is not None:
            tags = checked_tags(tags)
        if self._meter is None:  # nothing records the labels
            return CallSettings(max_retries, fallbacks)
        merged = self._tags if tags is None else {**self._tags, **tags}
        return CallSettings(max_retries, fallbacks, CallLabels(self._agent, merged))

    def set_cache(self, cache: ProviderCache | None) -> None:
        """Serve this provider's calls through the response cache (the registry sets it from
        the config's ``cache:`` sections; see docs/cache.md)."""
        self._cache = cache

    def set_fallbacks(self, providers: Sequence[LLMProvider]) -> None:
        """Providers to fail over to, in order (the registry sets them from config)."""
        self._fallbacks = tuple(providers)

    # ------------------------------------------------------------------ usage

    def get_usage(self) -> TokenUsage:
        """Cumulative usage of this provider (all views of it share one ledger)."""
        return self._ledger.snapshot()

    def reset_usage(self) -> None:
        self._ledger.reset()

    # ------------------------------------------------------------------ requests

    def _build_request(self, args: CallArgs, timeout: float | None) -> CompletionRequest:
        model = args.model or self.default_model
        self.validate_model(model)
        config = self._context.config
        return build_request(
            args,
            model=model,
            caps=self.capabilities(model),
            defaults=self._defaults,
            provider_id=self.provider_id,
            config_max_tokens=config.max_tokens,
            config_thinking_budget=config.thinking_budget,
            timeout=config.timeout if timeout is None else timeout,
        )

    def _retarget(self, request: CompletionRequest) -> CompletionRequest:
        """The request as a fallback provider sends it: with its own default model, and its
        own defaults for what the caller did not set."""

        def given(name: str, value: Any) -> Any:
            return value if request.is_given(name) else None

        max_tokens = min(request.max_tokens, self._context.config.max_tokens)
        args = CallArgs(
            messages=request.messages,
            temperature=given("temperature", request.temperature),
            max_tokens=given("max_tokens", max_tokens),
            tools=request.tools,
            thinking=given("thinking", request.thinking),
            tool_choice=request.tool_choice,
            thinking_budget=given("thinking_budget", request.thinking_budget),
            stop=request.stop or None,
            extra=request.extra or None,
        )
        retargeted = self._build_request(args, given("timeout", request.timeout))
        return _counting.fit_window(self, retargeted)  # a fallback it does not fit is skipped

    async def complete(
        self,
        messages: Sequence[LLMMessage | Mapping[str, Any]],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[ToolDefinition | Mapping[str, Any]] | None = None,
        thinking: bool | None = None,
        *,
        tool_choice: str | None = None,
        thinking_budget: int | None = None,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        fallbacks: Sequence[LLMProvider] | None = None,
        extra: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        cache: bool | None = None,
    ) -> LLMResponse:
        """Complete a conversation.

        :param messages: The conversation (``LLMMessage`` objects, or dicts with role and
            content).
        :param model: The model; default: the provider's (or the agent's) default model.
        :param temperature: Sampling temperature (default 0.7).
        :param max_tokens: Output limit (default: the provider's ``max_tokens``, 8192).
        :param tools: Tool definitions, Anthropic-style or OpenAI-style dicts.
        :param thinking: Extended thinking / reasoning, for models that have it.
        :param tool_choice: ``auto``, ``none``, ``required``, or the name of a tool.
        :param thinking_budget: Thinking tokens (default: the config's ``thinking_budget``).
        :param stop: Stop sequences.
        :param timeout: Seconds for each attempt (default: the config's ``timeout``).
        :param max_retries: Retries on this provider (default: the config's).
        :param fallbacks: Providers to fail over to (default: the config's ``fallbacks``).
        :param extra: Provider-specific parameters, passed to the plugin unchanged.
        :param tags: Tags recorded in the usage ledger with this call (``{"user": ...}``);
            budgets scoped to a tag cover the call.
        :param cache: ``False`` bypasses the response cache, ``True`` uses it for this call
            (default: the provider's or agent's ``cache:``; see docs/cache.md).
        :raises RequestValidationError: before anything is sent, if the request is invalid.
        :raises BudgetExceededError: before anything is sent, if a budget refuses the call.
        :raises ProviderError: if the call failed on every attempt and fallback.
        """
        args = CallArgs(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        request = self._request(args, timeout)
        settings = self._settings(max_retries, fallbacks, tags)
        if self._cache is None and cache is None:
            events = drive(self, request, settings, complete_attempt)
        else:
            from .cache.drive import cached_events

            events = cached_events(self, request, settings, complete_attempt, cache)
        async for event in events:
            if type(event) is StreamDone:
                return event.response
        raise AssertionError("unreachable: a call ends with StreamDone or raises")

    def _request(self, args: CallArgs, timeout: float | None) -> CompletionRequest:
        if self._context.closed:
            raise APIConnectionError(
                f"provider {self.provider_id!r} is closed (aclose() was called); build a new one"
            )
        request = self._build_request(args, timeout)
        request = _counting.fit_window(self, request)  # ContextWindowExceededError if too long
        if timeout is not None:
            request = attrs.evolve(request, given=request.given | {"timeout"})
        return request

    async def count_tokens(
        self,
        messages: Sequence[LLMMessage | Mapping[str, Any]],
        tools: Sequence[ToolDefinition | Mapping[str, Any]] | None = None,
        model: str | None = None,
        *,
        offline: bool = False,
    ) -> TokenCount:
        """The input tokens of the request :meth:`complete` would send (``exact``: counted or
        estimated); ``offline=True`` never calls out. Errors are typed and scrubbed."""
        return await _counting.count_tokens(self, CallArgs(messages, model, tools=tools), offline)

    # ------------------------------------------------------------------ streaming

    def stream(
        self,
        messages: Sequence[LLMMessage | Mapping[str, Any]],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[ToolDefinition | Mapping[str, Any]] | None = None,
        thinking: bool | None = None,
        *,
        tool_choice: str | None = None,
        thinking_budget: int | None = None,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        fallbacks: Sequence[LLMProvider] | None = None,
        extra: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        cache: bool | None = None,
    ) -> TextStream:
        """Stream the answer's text: ``async for chunk in provider.stream(...)``.

        Takes the same arguments as :meth:`complete`; the request is validated right away.
        A failure before the first chunk is retried or failed over; after it, the stream
        raises :class:`StreamInterruptedError` (never a silently truncated answer). After the
        loop, ``.response`` holds the complete :class:`LLMResponse`; ``async with`` closes
        the request early.
        """
        args = CallArgs(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        request = self._request(args, timeout)
        settings = self._settings(max_retries, fallbacks, tags)
        if self._cache is None and cache is None:
            return TextStream(drive(self, request, settings, stream_attempt))
        from .cache.drive import cached_events

        return TextStream(cached_events(self, request, settings, stream_attempt, cache))

    def stream_events(
        self,
        messages: Sequence[LLMMessage | Mapping[str, Any]],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[ToolDefinition | Mapping[str, Any]] | None = None,
        thinking: bool | None = None,
        *,
        tool_choice: str | None = None,
        thinking_budget: int | None = None,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        fallbacks: Sequence[LLMProvider] | None = None,
        extra: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        cache: bool | None = None,
    ) -> EventStream:
        """Like :meth:`stream`, yielding typed events: TextDelta, ThinkingDelta,
        ToolCallDelta, ToolCallComplete, UsageEvent, and a final StreamDone."""
        args = CallArgs(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        request = self._request(args, timeout)
        settings = self._settings(max_retries, fallbacks, tags)
        if self._cache is None and cache is None:
            return EventStream(drive(self, request, settings, stream_attempt))
        from .cache.drive import cached_events

        return EventStream(cached_events(self, request, settings, stream_attempt, cache))

    # ------------------------------------------------------------------ batches

    async def batch(
        self, requests: Iterable[Mapping[str, Any]], *, tags: Mapping[str, str] | None = None
    ) -> BatchJob:
        """Submit requests as one provider batch, at the batch price (docs/batches.md).

        Each request is a mapping of :meth:`complete`'s arguments with an optional
        ``custom_id``; all are validated before anything is sent.

        :raises BatchNotSupportedError: the provider's plugin has no batch API.
        """
        from .batch._submit import submit_batch

        return await submit_batch(self, requests, tags)

    def batch_job(self, batch_id: str) -> BatchJob:
        """The job of a batch submitted earlier (by this process or before a restart)."""
        from .batch._job import BatchJob

        return BatchJob(self, batch_id)

    # ------------------------------------------------------------------ lifecycle

    async def health_check(self) -> HealthStatus:
        """Check that the provider answers, through the plugin's health hook."""
        from ._health import check_health

        return await check_health(self)

    async def release(self) -> None:
        """Close this event loop's client and its connections, and go on: the next call on
        this loop makes a new client. A worker thread calls it before its loop ends."""
        await self._context.release_loop_client()

    async def aclose(self) -> None:
        """Close the provider: this event loop's client and its connections. Later calls
        are refused."""
        self._context.closed = True
        awaitable = self._hooks.orchestify_close_client(provider=self._context)
        if awaitable is not None:
            await awaitable
