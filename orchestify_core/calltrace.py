"""What cross-cutting plugins see of a whole call: its attempts, retries and failover.

A :class:`CallTrace` is built only when a registered plugin implements
``orchestify_call_started`` or ``orchestify_call_finished`` (a tracer, a metrics exporter):
without one, a call builds nothing. The driver appends one :class:`AttemptTrace` per
attempt (each retry and each fallback is one) as the attempt is accounted, and the call's
end (answer, error, or the caller giving up) fills in ``response`` or ``error``.
Times are wall-clock nanoseconds (``time.time_ns()``), what tracing systems take.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .models import CompletionRequest, LLMResponse
    from .provider import LLMProvider
    from .tokens import Usage

__all__ = ["AttemptTrace", "CallTrace", "add_attempt", "finish_trace", "start_trace"]


@attrs.define
class AttemptTrace:
    """One attempt of a call, once it ended.

    Attributes:
        number: 1 for the first attempt of the call, counting retries and fallbacks.
        provider_id: The provider that made it (a fallback's id after a failover).
        provider_type: Its type (``anthropic``, ``openai``, ...).
        request_model: The model asked for.
        response_model: The model that served it (None when it failed).
        outcome: ``completed``, ``error``, ``truncated`` or ``cancelled``.
        usage: Its tokens.
        cost: USD, or None when unpriced.
        error_type: The error's class name, when it failed.
        error: ``ErrorClass: message`` (scrubbed), when it failed.
        finish_reason: Why the answer ended (``stop``, ``length``, ``tool_use``...).
        response_id: The provider's id of the answer, when it gave one.
        waited_s: Seconds the attempt waited for rate-limit capacity before it was sent.
        started_ns, ended_ns: When it started and ended.
    """

    number: int
    provider_id: str
    provider_type: str
    request_model: str
    response_model: str | None
    outcome: str
    usage: Usage
    cost: Decimal | None
    error_type: str | None
    error: str | None
    finish_reason: str | None
    response_id: str | None
    waited_s: float
    started_ns: int
    ended_ns: int


@attrs.define
class CallTrace:
    """One call of ``complete()``, ``stream()`` or ``stream_events()``.

    Attributes:
        provider_id, provider_type: The provider called (the first of the chain).
        request: The request as the first provider sends it.
        stream: Whether the call streams.
        operation: The GenAI operation name (``chat``).
        server_address: The endpoint the first provider's requests go to, when known.
        started_ns, ended_ns: When the call started and ended (0 until it ends).
        attempts: Every attempt, in order.
        response: The answer, when the call succeeded.
        error: What the call raised (a ``GeneratorExit`` or ``CancelledError`` when the
            caller stopped it).
        annotations: Free for plugins (a tracer keeps its span here between the hooks).
    """

    provider_id: str
    provider_type: str
    request: CompletionRequest
    stream: bool
    operation: str = "chat"
    server_address: str | None = None
    started_ns: int = 0
    ended_ns: int = 0
    attempts: list[AttemptTrace] = attrs.field(factory=list)
    response: LLMResponse | None = None
    error: BaseException | None = None
    annotations: dict[str, Any] = attrs.field(factory=dict)


def start_trace(
    provider: LLMProvider, request: CompletionRequest, stream: bool
) -> CallTrace | None:
    """A new trace of a call, told to the plugins; None (and nothing built) when no
    plugin observes calls."""
    hooks = provider._hooks
    started = hooks.orchestify_call_started
    if not started.get_hookimpls() and not hooks.orchestify_call_finished.get_hookimpls():
        return None
    from ._boundary import endpoint_of

    context = provider._context
    trace = CallTrace(
        provider_id=context.provider_id,
        provider_type=context.provider_type,
        request=request,
        stream=stream,
        server_address=endpoint_of(context),
        started_ns=time.time_ns(),
    )
    started(provider=context, call=trace)
    return trace


def finish_trace(
    provider: LLMProvider,
    trace: CallTrace,
    response: LLMResponse | None,
    error: BaseException | None,
) -> None:
    """End the trace and tell the plugins (once)."""
    if trace.ended_ns:
        return
    trace.ended_ns = time.time_ns()
    trace.response = response
    trace.error = error
    provider._hooks.orchestify_call_finished(provider=provider._context, call=trace)


def add_attempt(
    trace: CallTrace,
    provider: LLMProvider,
    request: CompletionRequest,
    outcome: str,
    usage: Usage,
    cost: Decimal | None,
    latency: float,
    error: BaseException | None,
    response: LLMResponse | None,
    waited: float,
) -> None:
    """Append an ended attempt to its call's trace."""
    ended = time.time_ns()
    trace.attempts.append(
        AttemptTrace(
            number=len(trace.attempts) + 1,
            provider_id=provider.provider_id,
            provider_type=provider.provider_type,
            request_model=request.model,
            response_model=response.model if response is not None else None,
            outcome=outcome,
            usage=usage,
            cost=cost,
            error_type=type(error).__name__ if error is not None else None,
            error=f"{type(error).__name__}: {error}" if error is not None else None,
            finish_reason=getattr(response, "finish_reason", None),
            response_id=_response_id(response),
            waited_s=waited,
            started_ns=ended - int(latency * 1e9),
            ended_ns=ended,
        )
    )


def _response_id(response: LLMResponse | None) -> str | None:
    """The provider's id of the answer, from the SDK's response or the decoded body."""
    raw = getattr(response, "raw_response", None)
    found = raw.get("id") if isinstance(raw, dict) else getattr(raw, "id", None)
    return found if isinstance(found, str) else None
