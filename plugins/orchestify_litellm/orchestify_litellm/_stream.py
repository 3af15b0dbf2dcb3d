"""A streamed completion (LiteLLM's ``CustomStreamWrapper``) as orchestify stream events.

Each chunk's delta becomes :class:`ThinkingDelta` (from ``thinking_blocks``, signatures
included, by block index; or from plain ``reasoning_content``), :class:`RedactedThinking`,
:class:`TextDelta` and :class:`ToolCallDelta` (by the tool call's index; id and name come
with its first piece). The request asks for ``stream_options={"include_usage": True}``, so
the last chunk carries the usage: a :class:`UsageEvent`; except on Anthropic's own API
(``Route.usage_recorded``), where asking costs LiteLLM ~35 us per chunk and the usage is
there anyway: there the last usage LiteLLM recorded from the stream (``message_delta``,
cumulative) is sent as a :class:`UsageEvent` just before :class:`StreamEnd`.

Anthropic reports the input tokens when the stream starts, but LiteLLM keeps that usage to
itself until the end; the plugin reads it from the wrapper's recorded chunks and sends a
:class:`UsageEvent` at once, so that a stream cut short is still accounted with its real
input. The stream ends with one :class:`StreamEnd` once LiteLLM gave a finish reason; a
stream that ends without one raises :class:`APIConnectionError`. The wrapper is closed in
``finally`` (normal end, error, a consumer that stops early, cancellation), which releases
the connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from orchestify_core.errors import APIConnectionError
from orchestify_core.models import (
    CompletionRequest,
    RedactedThinking,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    UsageEvent,
)

from ._calls import prepare
from ._client import LiteLLMClient
from ._errors import translate
from ._fields import attr
from ._fields import field as _field
from ._responses import finish_reason, to_usage
from ._routing import Route, served_model

__all__ = ["stream"]


def _thinking_events(blocks: object) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    if not isinstance(blocks, Iterable) or isinstance(blocks, str | bytes):
        return events
    for block in blocks:
        kind = _field(block, "type")
        index = _field(block, "index")
        index = index if isinstance(index, int) else 0
        if kind == "thinking":
            text, signature = _field(block, "thinking"), _field(block, "signature")
            text = text if isinstance(text, str) else ""
            signature = signature if isinstance(signature, str) else ""
            if text or signature:
                events.append(ThinkingDelta(thinking=text, signature=signature, index=index))
        elif kind == "redacted_thinking":
            data = _field(block, "data")
            if isinstance(data, str):
                events.append(RedactedThinking(data))
    return events


def _tool_events(calls: object) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    if not isinstance(calls, Iterable):
        return events
    for position, call in enumerate(calls):
        index = _field(call, "index")
        function = _field(call, "function")
        call_id, name = _field(call, "id"), _field(function, "name")
        arguments = _field(function, "arguments")
        events.append(
            ToolCallDelta(
                index=index if isinstance(index, int) else position,
                id=call_id if isinstance(call_id, str) and call_id else None,
                name=name if isinstance(name, str) and name else None,
                arguments_delta=arguments if isinstance(arguments, str) else "",
            )
        )
    return events


class _Reader:
    """Turns chunks into events and remembers how the stream ended."""

    def __init__(self, route: Route, *, asks_usage: bool = True) -> None:
        self.route = route
        self.asks_usage = asks_usage
        self.raw_finish: str | None = None
        self.model: str | None = None
        self.usage_seen = False
        self.usage_returned = False
        self._scanned = 0

    def early_usage(self, wrapper: Any) -> UsageEvent | None:
        """The usage LiteLLM recorded but has not passed on yet (Anthropic's
        ``message_start``), once, as soon as it is there."""
        if self.usage_seen:
            return None
        recorded = getattr(wrapper, "chunks", None)
        if not isinstance(recorded, list):
            return None
        while self._scanned < len(recorded):
            usage = attr(recorded[self._scanned], "usage")
            self._scanned += 1
            if usage is not None and _field(usage, "prompt_tokens"):
                self.usage_seen = True
                return UsageEvent(to_usage(usage))
        return None

    def final_usage(self, wrapper: Any) -> UsageEvent | None:
        """For a stream that did not ask for LiteLLM's usage chunk: the last usage LiteLLM
        recorded (Anthropic's ``message_delta``, cumulative), if no chunk carried one."""
        if self.asks_usage or self.usage_returned:
            return None
        recorded = getattr(wrapper, "chunks", None)
        if not isinstance(recorded, list):
            return None
        for chunk in reversed(recorded):
            usage = attr(chunk, "usage")
            if usage is not None:
                return UsageEvent(to_usage(usage))
        return None

    def events(self, chunk: Any) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        model = attr(chunk, "model")
        if isinstance(model, str) and model:
            self.model = model
        for choice in attr(chunk, "choices") or ():
            if _field(choice, "index") not in (0, None):
                continue
            delta = _field(choice, "delta")
            blocks = _field(delta, "thinking_blocks")
            thinking = _thinking_events(blocks) if blocks is not None else None
            if not thinking:
                reasoning = _field(delta, "reasoning_content")
                if isinstance(reasoning, str) and reasoning:
                    thinking = [ThinkingDelta(thinking=reasoning)]
            if thinking:
                events.extend(thinking)
            content = _field(delta, "content")
            if isinstance(content, str) and content:
                events.append(TextDelta(content))
            calls = _field(delta, "tool_calls")
            if calls is not None:
                events.extend(_tool_events(calls))
            raw = _field(choice, "finish_reason")
            if isinstance(raw, str) and raw:
                self.raw_finish = raw
        usage = attr(chunk, "usage")
        if usage is not None:
            self.usage_seen = self.usage_returned = True
            events.append(UsageEvent(to_usage(usage)))
        return events

    def end(self) -> StreamEnd:
        if self.raw_finish is None:
            raise APIConnectionError("the LiteLLM stream ended before the model finished")
        return StreamEnd(
            finish_reason=finish_reason(self.raw_finish),
            raw_finish_reason=self.raw_finish,
            model=served_model(self.route, self.model),
        )


async def stream(client: LiteLLMClient, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
    """Stream one completion (an async generator; the core iterates and closes it)."""
    route, kwargs = await prepare(client, request, stream=True)
    client.check_open()
    reader = _Reader(route, asks_usage="stream_options" in kwargs)
    wrapper: Any = None
    try:
        try:
            wrapper = await client.acompletion(kwargs)
            async for chunk in wrapper:
                events = reader.events(chunk)
                early = reader.early_usage(wrapper)
                if early is not None:
                    yield early
                for event in events:
                    yield event
        except Exception as exc:
            raise translate(exc, secrets=client.secrets) from exc
        end = reader.end()
        final = reader.final_usage(wrapper)
        if final is not None:
            yield final
        yield end
    finally:
        if wrapper is not None:
            await wrapper.aclose()
