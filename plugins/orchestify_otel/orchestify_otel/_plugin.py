"""The plugin: a span per call with a child span per attempt, and the GenAI client metrics.

It implements the core's call hooks only (``orchestify_call_started``,
``orchestify_call_finished``): nothing runs per streamed chunk, and a call costs one
hook call at each end. The call's span is started when the call starts, as a child of the
caller's current span; the attempts' spans (each retry and each fallback) are made when
the call ends, with their own start and end times, so the tree shows every try in order.

Metrics, per attempt (each is one request to a model): ``gen_ai.client.token.usage``
(input and output tokens) and ``gen_ai.client.operation.duration`` (seconds, with
``error.type`` when it failed), with the conventions' advised bucket boundaries.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from orchestify_core.calltrace import AttemptTrace, CallTrace
from orchestify_core.plugin import ProviderContext, hookimpl

from ._attributes import attempt_attributes, call_attributes, content_attributes, provider_name

__all__ = ["OTelPlugin"]

_SCOPE = "orchestify_otel"
_SPAN = "orchestify_otel.span"
_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
                     20.48, 40.96, 81.92]  # fmt: skip
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                  16777216, 67108864]  # fmt: skip


class OTelPlugin:
    """Emit GenAI spans and metrics for every call (see the module docstring).

    :param capture_content: Put the messages and the answer on the call's span
        (``gen_ai.input.messages``, ``gen_ai.output.messages``); off by default, as they
        may hold personal data.
    :param tracer_provider: Default: the global one.
    :param meter_provider: Default: the global one.
    """

    def __init__(
        self,
        *,
        capture_content: bool = False,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self.capture_content = capture_content
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )  # fmt: skip
        self._duration = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"OTelPlugin(capture_content={self.capture_content})"

    @hookimpl
    def orchestify_call_started(self, provider: ProviderContext, call: CallTrace) -> None:
        span = self._tracer.start_span(
            f"{call.operation} {call.request.model}",
            kind=SpanKind.INTERNAL,
            start_time=call.started_ns,
        )
        call.annotations[_SPAN] = span

    @hookimpl
    def orchestify_call_finished(self, provider: ProviderContext, call: CallTrace) -> None:
        span = call.annotations.pop(_SPAN, None)
        if span is None:
            return
        parent = trace.set_span_in_context(span, otel_context.get_current())
        for attempt in call.attempts:
            self._attempt_span(call, attempt, parent)
            self._record(call, attempt)
        span.set_attributes(call_attributes(call))
        if self.capture_content:
            span.set_attributes(content_attributes(call))
        if call.response is None:
            error = call.error
            span.set_status(Status(StatusCode.ERROR, type(error).__name__ if error else None))
        span.end(end_time=call.ended_ns)

    def _attempt_span(self, call: CallTrace, attempt: AttemptTrace, parent: Any) -> None:
        span = self._tracer.start_span(
            f"{call.operation} {attempt.request_model}",
            context=parent,
            kind=SpanKind.CLIENT,
            start_time=attempt.started_ns,
            attributes=attempt_attributes(attempt, call.operation, _address(call, attempt)),
        )
        if attempt.error is not None:
            span.set_status(Status(StatusCode.ERROR, attempt.error[:200]))
        span.end(end_time=attempt.ended_ns)

    def _record(self, call: CallTrace, attempt: AttemptTrace) -> None:
        base: dict[str, Any] = {
            "gen_ai.operation.name": call.operation,
            "gen_ai.provider.name": provider_name(attempt.provider_type),
            "gen_ai.request.model": attempt.request_model,
        }
        if attempt.response_model:
            base["gen_ai.response.model"] = attempt.response_model
        seconds = (attempt.ended_ns - attempt.started_ns) / 1e9
        duration = {**base, "error.type": attempt.error_type} if attempt.error_type else base
        self._duration.record(seconds, duration)
        usage = attempt.usage
        if usage.input_tokens or usage.output_tokens:
            self._tokens.record(usage.input_tokens, {**base, "gen_ai.token.type": "input"})
            self._tokens.record(usage.output_tokens, {**base, "gen_ai.token.type": "output"})


def _address(call: CallTrace, attempt: AttemptTrace) -> str | None:
    """The endpoint of an attempt, when it went to the provider first called."""
    return call.server_address if attempt.provider_id == call.provider_id else None
