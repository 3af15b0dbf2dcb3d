"""The one attempt driver, for complete() and stream() alike.

A call is a chain of providers (the one called, then its fallbacks); on each, attempts are
retried by the provider's retry policy; each attempt is admitted by the provider's circuit
breaker, bounded by a deadline, and accounted exactly once however it ends. The two kinds
of attempt differ only in how they talk to the plugin:

- :func:`complete_attempt` awaits ``orchestify_complete`` and yields nothing;
- :func:`stream_attempt` reads ``orchestify_stream`` and yields what may reach the caller.

Both leave their result in an :class:`AttemptResult`: the response, or an error the driver
may retry. :func:`drive` runs them and ends with one :class:`StreamDone`, which complete()
unwraps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ._admission import admit
from ._boundary import attempt_error
from ._chain import fail_over_or_raise, wait_to_retry
from ._metering import record_attempt
from .calltrace import add_attempt, finish_trace, start_trace
from .errors import (
    APIConnectionError,
    MalformedResponseError,
    OrchestifyError,
    PluginError,
    ProviderError,
    RequestValidationError,
    StreamInterruptedError,
)
from .events import (
    RedactedThinking,
    StreamDone,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    UsageEvent,
)
from .models import CompletionRequest, LLMResponse
from .requests import estimate_text_tokens, estimate_tokens
from .streaming import Deadline, StreamAccumulator
from .tokens import Usage
from .usage import Attempt, Outcome

if TYPE_CHECKING:
    from .calltrace import CallTrace
    from .ledger import CallLabels, Hold
    from .provider import LLMProvider
    from .ratelimit import Permit

__all__ = ["AttemptResult", "CallSettings", "complete_attempt", "drive", "stream_attempt"]

logger = logging.getLogger("orchestify_core.provider")


@attrs.define
class CallSettings:
    """The per-call knobs of the driver (None: the provider's own)."""

    max_retries: int | None = None
    fallbacks: Sequence[LLMProvider] | None = None
    labels: CallLabels | None = None  # agent and tags, for the usage ledger
    attempts: int = 0  # attempts made so far, across retries and fallbacks


@attrs.define
class AttemptResult:
    """How one attempt ended: ``response``, or ``error`` (which the driver may retry);
    ``labels`` say whom the attempt is for (the usage ledger records them); ``trace`` is
    the call's, when a plugin observes calls."""

    error: ProviderError | None = None
    response: LLMResponse | None = None
    labels: CallLabels | None = None
    trace: CallTrace | None = None


AttemptFn = Callable[
    ["LLMProvider", CompletionRequest, AttemptResult], AsyncGenerator[StreamEvent, None]
]


# --------------------------------------------------------------------------- one attempt


class AttemptScope:
    """One admitted attempt: its breaker ticket and start time, accounted exactly once.

    With a usage ledger, ``hold`` is the attempt's budget reservation (taken before the
    scope, see :func:`open_scope`) and ``settling`` the ledger's write of the attempt,
    started where it is accounted. With a rate limit, ``permit`` is the attempt's draw on
    its buckets (settled with the real usage); ``trace`` is the call's, when observed.
    """

    __slots__ = ("done", "hold", "labels", "permit", "provider", "request", "settling",
                 "started", "ticket", "trace")  # fmt: skip

    def __init__(
        self,
        provider: LLMProvider,
        request: CompletionRequest,
        hold: Hold | None = None,
        labels: CallLabels | None = None,
    ) -> None:
        self.provider = provider
        self.request = request
        self.ticket = provider._breaker.before_call()
        self.started = time.perf_counter()
        self.done = False
        self.hold = hold
        self.labels = labels
        self.settling: asyncio.Task[None] | None = None
        self.permit: Permit | None = None
        self.trace: CallTrace | None = None

    def finish(
        self,
        outcome: Outcome,
        usage: Usage,
        error: BaseException | None = None,
        served_model: str | None = None,
        response: LLMResponse | None = None,
    ) -> tuple[Decimal | None, float]:
        """Account the attempt and tell the breaker (once); returns its cost and latency."""
        if self.done:
            return None, time.perf_counter() - self.started
        self.done = True
        provider = self.provider
        cost: Decimal | None = None
        latency = 0.0
        try:
            cost, latency = _account(
                provider, self.request, outcome, usage, self.started, error, served_model
            )
            if provider._meter is not None:
                self.settling = record_attempt(self, outcome, usage, cost, latency, error,
                                               served_model)  # fmt: skip
            return cost, latency
        finally:
            verdict = asyncio.CancelledError() if outcome is Outcome.CANCELLED else error
            provider._breaker.after_call(self.ticket, verdict)
            if self.permit is not None:
                self.permit.settle(usage, error)
            if self.trace is not None:
                waited = self.permit.waited if self.permit is not None else 0.0
                add_attempt(self.trace, provider, self.request, outcome.value, usage, cost,
                            latency, error, response, waited)  # fmt: skip

    async def settled(self) -> None:
        """Wait until the ledger holds this attempt (a cancelled caller does not stop it)."""
        if self.settling is not None:
            await asyncio.shield(self.settling)

    def succeed(self, response: LLMResponse, usage: Usage) -> LLMResponse:
        """Account a completed attempt and fill in what the core knows of the response."""
        empty = not response.content and not response.parts
        if empty and not usage.input_tokens and not usage.output_tokens:
            raise MalformedResponseError(
                f"provider {self.provider.provider_id!r} answered with no content and no usage"
            )
        provider = self.provider
        cost, latency = self.finish(
            Outcome.COMPLETED, usage, served_model=response.model, response=response
        )
        response.cost_usd = cost
        response.provider_id = provider.provider_id
        response.provider_type = provider.provider_type
        response.latency_s = latency
        return response

    def cancelled(self, usage: Usage) -> None:
        """Account a cancelled attempt: the request went out and may be billed, so its
        input is estimated when the provider reported none."""
        if not usage.input_tokens:
            usage = Usage(input_tokens=estimate_tokens(self.request), estimated=True)
        self.finish(Outcome.CANCELLED, usage)

    def failed(self, exc: Exception, usage: Usage, *, delivered: bool = False) -> OrchestifyError:
        """Account a failed attempt; returns the typed, scrubbed error it ends with."""
        provider = self.provider
        error = attempt_error(exc, provider._context, self.request.model, self.request.timeout)
        self.finish(Outcome.TRUNCATED if delivered else Outcome.ERROR, usage, error)
        return error


def _account(
    provider: LLMProvider,
    request: CompletionRequest,
    outcome: Outcome,
    usage: Usage,
    started: float,
    error: BaseException | None,
    served_model: str | None,
) -> tuple[Decimal | None, float]:
    model = served_model or request.model
    price = provider._price_of(model, request.model)
    cost = price.cost(usage) if price is not None else None
    latency = time.perf_counter() - started
    provider._ledger.add(outcome, usage, cost)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "provider=%s model=%s outcome=%s tokens_in=%d tokens_out=%d cost=%s latency=%.4fs",
            provider.provider_id, model, outcome.value, usage.input_tokens,
            usage.output_tokens, cost, latency,
        )  # fmt: skip
    observers = provider._hooks.orchestify_attempt_finished
    if observers.get_hookimpls():  # the record is built only for someone to read it
        attempt = Attempt(
            provider_id=provider.provider_id,
            model=model,
            outcome=outcome,
            usage=usage,
            cost=cost,
            latency_s=latency,
            error=f"{type(error).__name__}: {error}" if error is not None else None,
        )
        observers(provider=provider._context, attempt=attempt)
    return cost, latency


def _unanswered(provider: LLMProvider, hook: str) -> PluginError:
    owner = provider._host.owner(provider.provider_type)
    who = owner.describe() if owner is not None else f"plugin {provider.provider_type!r}"
    return PluginError(
        f"{who} returned None from {hook} for its own provider {provider.provider_id!r}; "
        "the hook must return an awaitable (complete) or an async iterator (stream)"
    )


def _settle(result: AttemptResult, error: OrchestifyError) -> None:
    """Hand a retryable error to the driver; raise anything else."""
    if not isinstance(error, ProviderError):
        raise error
    result.error = error


async def complete_attempt(
    provider: LLMProvider, request: CompletionRequest, result: AttemptResult
) -> AsyncGenerator[StreamEvent, None]:
    """One ``orchestify_complete`` attempt (yields nothing; the result is in ``result``)."""
    scope = await _open(provider, request, result)
    deadline: Deadline | None = None
    try:
        awaitable = provider._hooks.orchestify_complete(provider=provider._context, request=request)
        if awaitable is None:
            raise _unanswered(provider, "orchestify_complete")
        # One timer handle, not an asyncio.timeout context: same effect, less cost.
        deadline = Deadline(request.timeout)
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
        result.response = scope.succeed(response, response.usage)
    except asyncio.CancelledError:
        scope.cancelled(Usage())
        raise
    except Exception as exc:
        _settle(result, scope.failed(exc, Usage()))
    if scope.settling is not None:
        await scope.settled()
    return
    yield  # type: ignore[unreachable]  # an async generator, like stream_attempt


async def stream_attempt(
    provider: LLMProvider, request: CompletionRequest, result: AttemptResult
) -> AsyncGenerator[StreamEvent, None]:
    """One ``orchestify_stream`` attempt: yields what may go to the caller.

    A failure before any content leaves a retryable error in ``result``; after content it
    raises StreamInterruptedError. The plugin's stream is read past its StreamEnd to its
    end, so that its SDK finishes the HTTP body and the connection returns to the pool."""
    scope = await _open(provider, request, result)
    acc = StreamAccumulator()
    text = acc.text
    deadline = Deadline(request.timeout)
    events: Any = None
    end: StreamEnd | None = None
    try:
        events = _plugin_stream(provider, request)
        while True:
            if deadline.expired:
                raise TimeoutError
            deadline.waiting = True
            try:
                event = await events.__anext__()
            except StopAsyncIteration:
                break
            except asyncio.CancelledError:
                if not deadline.expired_cancel():
                    raise
                raise TimeoutError from None
            finally:
                deadline.waiting = False
            kind = type(event)
            if kind is TextDelta:
                text.append(event.text)
            elif kind is UsageEvent:
                acc.usage = event.usage
            elif kind is StreamEnd:
                end = event
                continue
            elif kind in (ThinkingDelta, ToolCallDelta, RedactedThinking):
                acc.add(event)
            else:
                continue
            yield event
        result.response = _finished(scope, acc, end)
    except (asyncio.CancelledError, GeneratorExit):
        scope.cancelled(_partial_usage(request, acc))
        raise
    except Exception as exc:
        _stream_failed(scope, acc, exc, result)
        return
    finally:
        deadline.cancel()
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
    if scope.settling is not None:
        await scope.settled()
    for complete in acc.completed_tool_calls:
        yield complete


async def _open(
    provider: LLMProvider, request: CompletionRequest, result: AttemptResult
) -> AttemptScope:
    """The attempt's scope: made here when nothing but a local breaker stands before the
    plugin; else a rate limit, a shared breaker or a ledger admits it first."""
    if provider._meter is None and provider._gate is None:
        scope = AttemptScope(provider, request)
    else:
        scope = await admit(provider, request, result)
    scope.trace = result.trace
    return scope


def _plugin_stream(provider: LLMProvider, request: CompletionRequest) -> Any:
    events = provider._hooks.orchestify_stream(provider=provider._context, request=request)
    if events is None:
        raise _unanswered(provider, "orchestify_stream")
    return events


def _stream_failed(
    scope: AttemptScope, acc: StreamAccumulator, exc: Exception, result: AttemptResult
) -> None:
    """Account a failed stream attempt: a retryable error before any content, else raise
    StreamInterruptedError (the caller already holds part of the answer)."""
    delivered = acc.delivered
    error = scope.failed(exc, _partial_usage(scope.request, acc), delivered=delivered)
    if delivered:
        raise _interrupted(scope.provider, scope.request, acc, error) from error
    _settle(result, error)


def _finished(scope: AttemptScope, acc: StreamAccumulator, end: StreamEnd | None) -> LLMResponse:
    """The response of a stream that ran out; raises when it did not really finish."""
    provider_id = scope.provider.provider_id
    if end is None:
        if acc.delivered:
            raise StreamInterruptedError(
                f"stream of provider {provider_id!r} ended before it was complete",
                partial_text="".join(acc.text),
            )
        raise APIConnectionError(
            f"stream of provider {provider_id!r} ended before the answer began"
        )
    request = scope.request
    usage = acc.usage or _partial_usage(request, acc)
    return scope.succeed(acc.response(end, request, usage), usage)


def _interrupted(
    provider: LLMProvider,
    request: CompletionRequest,
    acc: StreamAccumulator,
    error: OrchestifyError,
) -> StreamInterruptedError:
    if isinstance(error, StreamInterruptedError):
        return error
    return StreamInterruptedError(
        f"stream of provider {provider.provider_id!r} failed after part of the answer "
        f"was delivered: {type(error).__name__}: {error}",
        partial_text="".join(acc.text),
        provider_id=provider.provider_id,
        model=request.model,
    )


def _partial_usage(request: CompletionRequest, acc: StreamAccumulator) -> Usage:
    """Usage of a stream that did not complete: reported input, estimated output."""
    estimated_output = estimate_text_tokens("".join(acc.text))
    reported = acc.usage
    if reported is None:
        if not acc.delivered:
            return Usage(estimated=False)
        return Usage(
            input_tokens=estimate_tokens(request), output_tokens=estimated_output, estimated=True
        )
    return attrs.evolve(
        reported, output_tokens=max(reported.output_tokens, estimated_output), estimated=True
    )


# --------------------------------------------------------------------------- the call


async def drive(
    primary: LLMProvider,
    request: CompletionRequest,
    settings: CallSettings,
    attempt: AttemptFn,
) -> AsyncGenerator[StreamEvent, None]:
    """Run a call: attempts with retries on each provider of the chain, failing over.

    Yields the attempts' events and ends with one StreamDone. Retries and failover live in
    this one generator (no generator per provider): every streamed chunk passes through
    it, and each generator level costs a little per chunk.
    """
    errors: list[tuple[str, BaseException]] = []
    chain = (primary, *(primary._fallbacks if settings.fallbacks is None else settings.fallbacks))
    trace = start_trace(primary, request, attempt is stream_attempt)  # None: nobody observes
    try:
        for index, provider in enumerate(chain):
            retry_number = 0
            try:
                target = request if index == 0 else provider._retarget(request)
                while True:
                    result = AttemptResult(labels=settings.labels, trace=trace)
                    settings.attempts += 1
                    events = attempt(provider, target, result)
                    try:
                        async for event in events:
                            yield event
                    finally:  # a consumer that stops early closes the attempt now, not at GC
                        await events.aclose()
                    if result.response is not None:
                        result.response.attempts = settings.attempts
                        if trace is not None:
                            finish_trace(primary, trace, result.response, None)
                        yield StreamDone(result.response)
                        return
                    retry_number += 1
                    await wait_to_retry(provider, result.error, retry_number, settings)
            except (ProviderError, RequestValidationError) as exc:
                fail_over_or_raise(exc, index, chain, errors)
    except BaseException as exc:
        if trace is not None:
            finish_trace(primary, trace, None, exc)
        raise
