"""LLMProvider: the object an engine holds, routing every call through the plugin hooks.

One provider = one configured endpoint (its plugin's client, usage ledger, retry policy and
circuit breaker). A call is validated against the model's capabilities before anything is
sent, then attempted through ``orchestify_complete`` / ``orchestify_stream`` with the layer's
retries, whole-call timeout and failover to the configured fallbacks. Every attempt is
accounted exactly once, in ``finally``, whatever ends it.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pluggy

from .config import ProviderConfig, parse_config
from .errors import (
    AllProvidersFailedError,
    APITimeoutError,
    BadRequestError,
    PluginError,
    ProviderError,
    RequestValidationError,
    StreamInterruptedError,
)
from .models import (
    CompletionRequest,
    HealthStatus,
    LLMMessage,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    RedactedThinking,
    StreamDone,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolDefinition,
    Usage,
    UsageEvent,
)
from .plugins import default_plugin_manager, ensure_provider_type
from .requests import CHARS_PER_TOKEN, CallDefaults, build_request, estimate_tokens
from .secret import Secret
from .streaming import Deadline, EventStream, StreamAccumulator, TextStream
from .usage import Attempt, Outcome, TokenUsage, UsageLedger

__all__ = ["CallDefaults", "LLMProvider"]

logger = logging.getLogger(__name__)


@attrs.define
class _Tally:
    """Attempts made for one call across retries and fallbacks."""

    attempts: int = 0


class LLMProvider:
    """One configured provider.

    Build it from a :class:`ProviderConfig` (``LLMProvider(config)``), from settings
    (``ClaudeProvider(api_key="...", default_model="claude-sonnet-4-5")``), or let a
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
            config = self._config_from_settings(provider_id, settings)
        elif settings:
            raise TypeError("pass either a ProviderConfig or settings, not both")
        if self.default_type is not None and config.type != self.default_type:
            raise RequestValidationError(
                f"{type(self).__name__} serves type {self.default_type!r}, not {config.type!r}"
            )
        manager = plugin_manager or default_plugin_manager()
        ensure_provider_type(manager, config.type)
        self._manager = manager
        self._hook = manager.hook
        self._context = ProviderContext(provider_id or config.type, config.type, config)
        client = self._hook.orchestify_create_client(provider=self._context)
        if client is None:
            raise PluginError(
                f"the plugin of provider type {config.type!r} did not create a client "
                "(it implements no orchestify_create_client for its type)"
            )
        self._context.client = client
        self._ledger = UsageLedger()
        self._retry = self._hook.orchestify_retry_policy(provider=self._context)
        self._breaker = self._hook.orchestify_circuit_breaker(provider=self._context)
        self._capabilities: dict[str, ModelCapabilities] = {}
        self._prices: dict[str, ModelPrice | None] = {}
        self._valid_models: set[str] = set()
        self._fallbacks: tuple[LLMProvider, ...] = ()
        self._defaults = CallDefaults()
        self.validate_model(config.default_model)

    @classmethod
    def _config_from_settings(
        cls, provider_id: str | None, settings: dict[str, Any]
    ) -> ProviderConfig:
        data = dict(settings)
        data.setdefault("type", cls.default_type)
        if data["type"] is None:
            raise TypeError("LLMProvider needs a config, or settings with a 'type'")
        if isinstance(data.get("api_key"), str):
            data["api_key"] = Secret(data["api_key"])
        pid = provider_id or str(data["type"])
        config = parse_config([({"providers": {pid: data}}, {})], default_file="<arguments>")
        return config.providers.providers[pid]

    # ------------------------------------------------------------------ identity

    @property
    def provider_type(self) -> str:
        """The plugin type: ``anthropic``, ``openai``, ``litellm``, ..."""
        return self._context.provider_type

    @property
    def provider_id(self) -> str:
        """The id under which the provider is registered."""
        return self._context.provider_id

    @property
    def config(self) -> ProviderConfig:
        return self._context.config

    @property
    def default_model(self) -> str:
        """The model a call uses when it names none."""
        return self._defaults.model or self._context.config.default_model

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
    ) -> LLMProvider:
        """A view of this provider with other defaults; it shares client, usage and breaker."""
        if model is not None:
            self.validate_model(model)
        view = copy.copy(self)
        old = self._defaults
        view._defaults = CallDefaults(
            model=old.model if model is None else model,
            temperature=old.temperature if temperature is None else temperature,
            max_tokens=old.max_tokens if max_tokens is None else max_tokens,
            thinking=old.thinking if thinking is None else thinking,
            system=old.system if system is None else system,
        )
        return view

    def set_fallbacks(self, providers: Sequence[LLMProvider]) -> None:
        """Providers to fail over to, in order (the registry sets them from config)."""
        self._fallbacks = tuple(providers)

    # ------------------------------------------------------------------ capabilities, prices

    def validate_model(self, model: str) -> None:
        """Ask the plugin whether it serves ``model``; raises RequestValidationError if not."""
        if model in self._valid_models:
            return
        if not model:
            raise RequestValidationError(f"provider {self.provider_id!r}: the model is empty")
        self._hook.orchestify_validate_model(provider=self._context, model=model)
        self._valid_models.add(model)

    def capabilities(self, model: str | None = None) -> ModelCapabilities:
        """What ``model`` (default: the default model) can do, through the capability hook."""
        model = model or self.default_model
        caps = self._capabilities.get(model)
        if caps is None:
            caps = self._hook.orchestify_capabilities(provider=self._context, model=model)
            if caps is None:
                caps = ModelCapabilities(tools=True, vision=True, thinking=True, known=False)
            self._capabilities[model] = caps
        return caps

    def supports_tools(self) -> bool:
        return self.capabilities().tools

    def supports_thinking(self) -> bool:
        return self.capabilities().thinking

    def supports_code_execution(self) -> bool:
        return self.capabilities().code_execution

    def supports_vision(self) -> bool:
        return self.capabilities().vision

    def price(self, model: str | None = None) -> ModelPrice | None:
        """The price of ``model``: the config's override, else the plugin's, else None."""
        model = model or self.default_model
        if model in self._prices:
            return self._prices[model]
        price = self._context.config.price_override(model)
        if price is None:
            price = self._hook.orchestify_pricing(provider=self._context, model=model)
        if price is None:
            logger.info(
                "provider %s: model %s has no known price; its calls are accounted as unpriced",
                self.provider_id,
                model,
            )
        self._prices[model] = price
        return price

    def _price_of(self, served: str, requested: str) -> ModelPrice | None:
        price = self.price(served)
        if price is None and served != requested:
            price = self.price(requested)
        return price

    # ------------------------------------------------------------------ usage

    def get_usage(self) -> TokenUsage:
        """Cumulative usage of this provider (all views of it share one ledger)."""
        return self._ledger.snapshot()

    def reset_usage(self) -> None:
        self._ledger.reset()

    def _account(
        self,
        request: CompletionRequest,
        outcome: Outcome,
        usage: Usage,
        started: float,
        *,
        served_model: str | None = None,
        error: BaseException | None = None,
    ) -> tuple[Decimal | None, float]:
        """Record one attempt in the ledger (and for observers); returns its cost and latency."""
        model = served_model or request.model
        price = self._price_of(model, request.model)
        cost = price.cost(usage) if price is not None else None
        latency = time.perf_counter() - started
        self._ledger.add(outcome, usage, cost)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "provider=%s model=%s outcome=%s tokens_in=%d tokens_out=%d cost=%s latency=%.4fs",
                self.provider_id,
                model,
                outcome.value,
                usage.input_tokens,
                usage.output_tokens,
                cost,
                latency,
            )
        observers = self._hook.orchestify_attempt_finished
        if observers.get_hookimpls():  # the record is built only for someone to read it
            attempt = Attempt(
                provider_id=self.provider_id,
                model=model,
                outcome=outcome,
                usage=usage,
                cost=cost,
                latency_s=latency,
                error=f"{type(error).__name__}: {error}" if error is not None else None,
            )
            observers(provider=self._context, attempt=attempt)
        return cost, latency

    # ------------------------------------------------------------------ requests

    def _build_request(
        self,
        messages: Sequence[LLMMessage | Mapping[str, Any]],
        model: str | None,
        temperature: float | None,
        max_tokens: int | None,
        tools: Sequence[ToolDefinition | Mapping[str, Any]] | None,
        thinking: bool | None,
        tool_choice: str | None,
        thinking_budget: int | None,
        stop: Sequence[str] | None,
        extra: Mapping[str, Any] | None,
    ) -> CompletionRequest:
        model = model or self.default_model
        self.validate_model(model)
        config = self._context.config
        return build_request(
            messages,
            model=model,
            caps=self.capabilities(model),
            defaults=self._defaults,
            provider_id=self.provider_id,
            config_max_tokens=config.max_tokens,
            config_thinking_budget=config.thinking_budget,
            temperature=temperature,
            max_tokens=max_tokens,
            tools=tools,
            thinking=thinking,
            tool_choice=tool_choice,
            thinking_budget=thinking_budget,
            stop=stop,
            extra=extra,
        )

    def _retarget(self, request: CompletionRequest) -> CompletionRequest:
        """The request as a fallback provider sends it: with its own default model."""
        return self._build_request(
            request.messages,
            None,
            request.temperature,
            min(request.max_tokens, self._context.config.max_tokens),
            request.tools,
            request.thinking,
            request.tool_choice,
            request.thinking_budget,
            request.stop,
            request.extra,
        )

    def _chain(self, fallbacks: Sequence[LLMProvider] | None) -> tuple[LLMProvider, ...]:
        return (self, *(self._fallbacks if fallbacks is None else fallbacks))

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
        :raises RequestValidationError: before anything is sent, if the request is invalid.
        :raises ProviderError: if the call failed on every attempt and fallback.
        """
        request = self._build_request(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        tally = _Tally()
        errors: list[tuple[str, BaseException]] = []
        chain = self._chain(fallbacks)
        for index, provider in enumerate(chain):
            try:
                attempt_request = request if index == 0 else provider._retarget(request)
                response = await provider._complete_with_retries(
                    attempt_request, timeout, max_retries, tally
                )
            except (ProviderError, RequestValidationError) as exc:
                _fail_over_or_raise(exc, index, chain, errors)
                continue
            response.attempts = tally.attempts
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _complete_with_retries(
        self,
        request: CompletionRequest,
        timeout: float | None,
        max_retries: int | None,
        tally: _Tally,
    ) -> LLMResponse:
        limit = self._retry.max_retries if max_retries is None else max_retries
        timeout = self._context.config.timeout if timeout is None else timeout
        retry_number = 0
        while True:
            ticket = self._breaker.before_call()
            tally.attempts += 1
            started = time.perf_counter()
            error: BaseException
            try:
                awaitable = self._hook.orchestify_complete(provider=self._context, request=request)
                if awaitable is None:
                    raise PluginError(
                        f"no plugin completes requests of type {self.provider_type!r}"
                    )
                # One timer handle, not an asyncio.timeout context: same effect, less cost.
                deadline = Deadline(timeout)
                deadline.waiting = True
                try:
                    response: LLMResponse = await awaitable
                except asyncio.CancelledError:
                    if deadline.expired_cancel():
                        raise TimeoutError from None
                    raise
                finally:
                    deadline.waiting = False
                    deadline.cancel()
            except TimeoutError as exc:
                error = APITimeoutError(
                    f"no answer from provider {self.provider_id!r} within {timeout}s",
                    provider_id=self.provider_id,
                    model=request.model,
                )
                error.__cause__ = exc
            except ProviderError as exc:
                error = exc
            except BaseException as exc:
                cancelled = isinstance(exc, asyncio.CancelledError)
                usage = Usage(input_tokens=estimate_tokens(request), estimated=True)
                self._account(
                    request,
                    Outcome.CANCELLED if cancelled else Outcome.ERROR,
                    usage if cancelled else Usage(),
                    started,
                    error=None if cancelled else exc,
                )
                self._breaker.after_call(ticket, exc)
                raise
            else:
                self._breaker.after_call(ticket, None)
                cost, latency = self._account(
                    request, Outcome.COMPLETED, response.usage, started, served_model=response.model
                )
                response.cost_usd = cost
                response.provider_id = self.provider_id
                response.provider_type = self.provider_type
                response.latency_s = latency
                return response
            _fill_context(error, self.provider_id, request.model)
            self._account(request, Outcome.ERROR, Usage(), started, error=error)
            self._breaker.after_call(ticket, error)
            retry_number += 1
            delay = self._retry.delay(error, retry_number) if retry_number <= limit else None
            if delay is None:
                raise error
            logger.info(
                "provider %s: %s; retry %d of %d in %.2fs",
                self.provider_id, type(error).__name__, retry_number, limit, delay,
            )  # fmt: skip
            await self._retry.sleep(delay)

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
    ) -> TextStream:
        """Stream the answer's text: ``async for chunk in provider.stream(...)``.

        Takes the same arguments as :meth:`complete`; the request is validated right away.
        A failure before the first chunk is retried or failed over; after it, the stream
        raises :class:`StreamInterruptedError` (never a silently truncated answer). After the
        loop, ``.response`` holds the complete :class:`LLMResponse`; ``async with`` closes
        the request early.
        """
        request = self._build_request(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        return TextStream(self._stream_events(request, timeout, max_retries, fallbacks))

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
    ) -> EventStream:
        """Like :meth:`stream`, yielding typed events: TextDelta, ThinkingDelta,
        ToolCallDelta, ToolCallComplete, UsageEvent, and a final StreamDone."""
        request = self._build_request(
            messages, model, temperature, max_tokens, tools, thinking,
            tool_choice, thinking_budget, stop, extra,
        )  # fmt: skip
        return EventStream(self._stream_events(request, timeout, max_retries, fallbacks))

    async def _stream_events(
        self,
        request: CompletionRequest,
        timeout: float | None,
        max_retries: int | None,
        fallbacks: Sequence[LLMProvider] | None,
    ) -> AsyncGenerator[StreamEvent, None]:
        tally = _Tally()
        errors: list[tuple[str, BaseException]] = []
        chain = self._chain(fallbacks)
        for index, provider in enumerate(chain):
            try:
                attempt_request = request if index == 0 else provider._retarget(request)
                limit = provider._retry.max_retries if max_retries is None else max_retries
                retry_number = 0
                while True:
                    outcome = _AttemptOutcome()
                    attempt_events = provider._stream_attempt(
                        attempt_request, timeout, tally, outcome
                    )
                    try:
                        async for event in attempt_events:
                            yield event
                    finally:
                        await attempt_events.aclose()
                    if outcome.error is None:
                        if outcome.response is not None:
                            outcome.response.attempts = tally.attempts
                            yield StreamDone(outcome.response)
                        return
                    retry_number += 1
                    delay = (
                        provider._retry.delay(outcome.error, retry_number)
                        if retry_number <= limit
                        else None
                    )
                    if delay is None:
                        raise outcome.error
                    logger.info(
                        "provider %s: %s; retry %d of %d in %.2fs",
                        provider.provider_id, type(outcome.error).__name__,
                        retry_number, limit, delay,
                    )  # fmt: skip
                    await provider._retry.sleep(delay)
            except (ProviderError, RequestValidationError) as exc:
                _fail_over_or_raise(exc, index, chain, errors)

    async def _stream_attempt(
        self,
        request: CompletionRequest,
        timeout: float | None,
        tally: _Tally,
        outcome: _AttemptOutcome,
    ) -> AsyncGenerator[StreamEvent, None]:
        """One attempt: yields what may go to the caller; leaves the result in ``outcome``.

        A failure before any content sets ``outcome.error`` (the caller may retry);
        a failure after content raises StreamInterruptedError.
        """
        ticket = self._breaker.before_call()
        tally.attempts += 1
        started = time.perf_counter()
        deadline = Deadline(self._context.config.timeout if timeout is None else timeout)
        acc = StreamAccumulator()
        text = acc.text
        accounted = False
        events = self._hook.orchestify_stream(provider=self._context, request=request)
        if events is None:
            deadline.cancel()
            raise PluginError(f"no plugin streams requests of type {self.provider_type!r}")
        end: StreamEnd | None = None
        try:
            try:
                while True:
                    if deadline.expired:
                        raise TimeoutError
                    deadline.waiting = True
                    try:
                        event = await events.__anext__()
                    finally:
                        deadline.waiting = False
                    kind = type(event)
                    if kind is TextDelta:
                        text.append(event.text)
                        yield event
                    elif kind is UsageEvent:
                        acc.usage = event.usage
                        yield event
                    elif kind is StreamEnd:
                        # Read on to the plugin's own end, so that its SDK finishes the HTTP
                        # body and the connection goes back to the pool instead of closing.
                        end = event
                    elif kind in (ThinkingDelta, ToolCallDelta, RedactedThinking):
                        acc.add(event)
                        yield event
            except StopAsyncIteration:
                pass
            except asyncio.CancelledError:
                if not deadline.expired_cancel():
                    raise
                raise TimeoutError from None
        except TimeoutError as exc:
            error: BaseException = APITimeoutError(
                f"stream of provider {self.provider_id!r} did not finish within "
                f"{self._context.config.timeout if timeout is None else timeout}s",
                provider_id=self.provider_id,
                model=request.model,
            )
            error.__cause__ = exc
            accounted = self._end_failed_stream(request, acc, started, ticket, error, outcome)
        except ProviderError as exc:
            _fill_context(exc, self.provider_id, request.model)
            accounted = self._end_failed_stream(request, acc, started, ticket, exc, outcome)
        except BaseException as exc:
            cancelled = isinstance(exc, asyncio.CancelledError | GeneratorExit)
            usage = self._partial_usage(request, acc)
            if cancelled and not usage.input_tokens:
                # The request went out and may be billed: estimate its input, as complete() does.
                usage = Usage(input_tokens=estimate_tokens(request), estimated=True)
            self._account(
                request,
                Outcome.CANCELLED if cancelled else Outcome.ERROR,
                usage,
                started,
                error=None if cancelled else exc,
            )
            accounted = True
            self._breaker.after_call(ticket, asyncio.CancelledError() if cancelled else exc)
            raise
        finally:
            deadline.cancel()
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
        if accounted:
            return
        if end is None:
            error = StreamInterruptedError(
                f"stream of provider {self.provider_id!r} ended before it was complete",
                partial_text="".join(text),
                provider_id=self.provider_id,
                model=request.model,
            )
            self._end_failed_stream(request, acc, started, ticket, error, outcome)
            return
        tool_calls = acc.tool_calls()
        usage = acc.usage or self._partial_usage(request, acc)
        self._breaker.after_call(ticket, None)
        response = acc.response(end, request, usage, tool_calls)
        cost, latency = self._account(
            request, Outcome.COMPLETED, usage, started, served_model=response.model
        )
        response.cost_usd = cost
        response.provider_id = self.provider_id
        response.provider_type = self.provider_type
        response.latency_s = latency
        outcome.response = response
        for complete in tool_calls:
            yield complete

    def _end_failed_stream(
        self,
        request: CompletionRequest,
        acc: StreamAccumulator,
        started: float,
        ticket: Any,
        error: BaseException,
        outcome: _AttemptOutcome,
    ) -> bool:
        """Account a failed stream attempt; raise if content was already delivered."""
        delivered = acc.delivered
        self._account(
            request,
            Outcome.TRUNCATED if delivered else Outcome.ERROR,
            self._partial_usage(request, acc),
            started,
            error=error,
        )
        self._breaker.after_call(ticket, error)
        if delivered:
            if isinstance(error, StreamInterruptedError):
                raise error
            raise StreamInterruptedError(
                f"stream of provider {self.provider_id!r} failed after part of the answer "
                f"was delivered: {type(error).__name__}: {error}",
                partial_text="".join(acc.text),
                provider_id=self.provider_id,
                model=request.model,
            ) from error
        outcome.error = error
        return True

    @staticmethod
    def _partial_usage(request: CompletionRequest, acc: StreamAccumulator) -> Usage:
        """Usage of a stream that did not complete: reported input, estimated output."""
        estimated_output = sum(len(t) for t in acc.text) // CHARS_PER_TOKEN
        reported = acc.usage
        if reported is None:
            if not acc.delivered:
                return Usage(estimated=False)
            return Usage(
                input_tokens=estimate_tokens(request),
                output_tokens=estimated_output,
                estimated=True,
            )
        return attrs.evolve(
            reported,
            output_tokens=max(reported.output_tokens, estimated_output),
            estimated=True,
        )

    # ------------------------------------------------------------------ lifecycle

    async def health_check(self) -> HealthStatus:
        """Check that the provider answers, through the plugin's health hook."""
        awaitable = self._hook.orchestify_health_check(provider=self._context)
        if awaitable is None:
            return HealthStatus(ok=True, detail="the plugin has no health check")
        started = time.perf_counter()
        try:
            status: HealthStatus = await asyncio.wait_for(awaitable, self._context.config.timeout)
        except TimeoutError:
            return HealthStatus(ok=False, detail="timed out")
        except ProviderError as exc:
            return HealthStatus(ok=False, detail=f"{type(exc).__name__}: {exc}")
        if status.latency_s is None:
            status = attrs.evolve(status, latency_s=time.perf_counter() - started)
        return status

    async def aclose(self) -> None:
        """Close the plugin's client and its connections."""
        awaitable = self._hook.orchestify_close_client(provider=self._context)
        if awaitable is not None:
            await awaitable


@attrs.define
class _AttemptOutcome:
    error: BaseException | None = None
    response: LLMResponse | None = None


def _fail_over_or_raise(
    error: ProviderError | RequestValidationError,
    index: int,
    chain: Sequence[LLMProvider],
    errors: list[tuple[str, BaseException]],
) -> None:
    """Record that ``chain[index]`` failed: return to try the next provider, or raise.

    The primary's invalid request and a stream cut after its first chunk are raised as they
    are; a failure with no provider left is raised, wrapped when others failed before it.
    """
    if isinstance(error, StreamInterruptedError) or (
        index == 0 and isinstance(error, RequestValidationError)
    ):
        raise error
    errors.append((chain[index].provider_id, error))
    if index + 1 < len(chain) and _may_fail_over(error):
        logger.warning(
            "provider %s failed (%s); failing over to %s",
            chain[index].provider_id,
            type(error).__name__,
            chain[index + 1].provider_id,
        )
        return
    if len(errors) > 1:
        raise AllProvidersFailedError(errors) from error
    raise error


def _may_fail_over(error: BaseException) -> bool:
    """Whether another provider might succeed where this one failed.

    A request the provider found malformed (400) would be malformed anywhere; everything
    else (outages, rate limits, auth or model problems of this provider) may fail over.
    """
    return not isinstance(error, BadRequestError | StreamInterruptedError)


def _fill_context(error: BaseException, provider_id: str, model: str) -> None:
    if isinstance(error, ProviderError):
        if error.provider_id is None:
            error.provider_id = provider_id
        if error.model is None:
            error.model = model
