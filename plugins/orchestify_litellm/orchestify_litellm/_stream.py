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
stream that ends without one raises :class:`APIConnectionError`. A stream that carried no
content and no usage (LiteLLM makes an empty stream, finished ``stop``, of an answer that
was no stream at all: plain JSON, malformed JSON, an empty body) raises a retryable
:class:`MalformedResponseError`, never an empty success. A stream that finished without
usage gets an estimated :class:`UsageEvent` (see ``_responses.estimated_usage``).

Tool calls: a piece with a new id at an index that already carries another call starts a
new call at the next free index (some servers number every call 0), instead of appending
its arguments to the previous call.

The wrapper is closed in ``finally`` (normal end, error, a consumer that stops early,
cancellation), which releases the connection. LiteLLM's exceptions are translated
(``_errors``); anything else is typed and scrubbed by the core.

Usage LiteLLM made up: asked for the usage chunk, LiteLLM sends one even when the server
reported no usage (it counts the tokens itself); such usage is marked ``estimated``.
Finish reasons LiteLLM rewrote to ``stop``: the backend's own is taken from the stream
(``_http``'s tap on Anthropic's route, the wrapper's ``received_finish_reason`` on others).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import attrs

from orchestify_core.plugin import (
    APIConnectionError,
    CompletionRequest,
    RedactedThinking,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    UsageEvent,
)

from ._client import LiteLLMClient
from ._errors import cause_of, translate_error
from ._fields import attr
from ._fields import field as _field
from ._http import tap_stop_reason
from ._request import prepare
from ._response import (
    estimated_usage,
    finish_reason,
    malformed,
    raw_finish,
    response_headers,
    to_usage,
    unmapped,
)
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


class _ToolIndexes:
    """Where each streamed tool call goes: a new id at an index already used by another
    call starts a new call at the next free index."""

    def __init__(self) -> None:
        self._current: dict[int, tuple[str | None, int]] = {}
        self._used: set[int] = set()

    def place(self, index: int, call_id: str | None) -> int:
        current = self._current.get(index)
        if current is not None and (call_id is None or current[0] in (None, call_id)):
            if call_id is not None and current[0] is None:
                self._current[index] = (call_id, current[1])
            return current[1]
        placed = index if index not in self._used else max(self._used) + 1
        self._used.add(placed)
        self._current[index] = (call_id, placed)
        return placed


class _Reader:
    """Turns chunks into events and remembers how the stream ended."""

    def __init__(self, route: Route, request: CompletionRequest, *, asks_usage: bool) -> None:
        self.route = route
        self.request = request
        self.asks_usage = asks_usage
        self.raw_finish: str | None = None
        self.model: str | None = None
        self.usage_seen = False
        self.usage_returned = False
        self.content_seen = False
        self.chars = 0
        self._tools = _ToolIndexes()
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
                early = to_usage(usage)
                if early is not None:
                    self.usage_seen = True
                    return UsageEvent(early)
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
            usage = to_usage(attr(chunk, "usage"))
            if usage is not None:
                self.usage_returned = True
                return UsageEvent(usage)
        return None

    def estimated(self) -> UsageEvent | None:
        """An estimated usage for a finished stream that reported none."""
        if self.usage_returned:
            return None
        return UsageEvent(estimated_usage(self.request, self.chars))

    def _count(self, events: list[StreamEvent]) -> None:
        for event in events:
            self.content_seen = True
            if isinstance(event, TextDelta):
                self.chars += len(event.text)
            elif isinstance(event, ThinkingDelta):
                self.chars += len(event.thinking)
            elif isinstance(event, ToolCallDelta):
                self.chars += len(event.arguments_delta)

    def events(self, chunk: Any, wrapper: Any) -> list[StreamEvent]:
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
                events.extend(self._placed(_tool_events(calls)))
            raw = raw_finish(choice)
            if raw is not None:
                self.raw_finish = raw
        self._count(events)
        usage = to_usage(attr(chunk, "usage"))
        if usage is not None:
            if self.asks_usage and not _reported(wrapper):  # LiteLLM counted it itself
                usage = attrs.evolve(usage, estimated=True)
            self.usage_seen = self.usage_returned = True
            events.append(UsageEvent(usage))
        return events

    def _placed(self, events: list[StreamEvent]) -> list[StreamEvent]:
        placed: list[StreamEvent] = []
        for event in events:
            if isinstance(event, ToolCallDelta):
                event = ToolCallDelta(
                    index=self._tools.place(event.index, event.id),
                    id=event.id,
                    name=event.name,
                    arguments_delta=event.arguments_delta,
                )
            placed.append(event)
        return placed

    def end(self, sent: str | None) -> StreamEnd:
        """The stream's end; ``sent`` is the finish reason the backend sent, if seen."""
        if self.raw_finish is None:
            raise APIConnectionError("the LiteLLM stream ended before the model finished")
        if not self.content_seen and not self.usage_seen:
            raise malformed(
                "the stream carried no content and no usage (the answer to a stream "
                "request was not a stream, or was empty)"
            )
        raw = unmapped(self.raw_finish, sent)
        return StreamEnd(
            finish_reason=finish_reason(raw),
            raw_finish_reason=raw,
            model=served_model(self.route, self.model),
        )


def _reported(wrapper: Any) -> bool:
    """Whether the server sent usage: LiteLLM records the chunks it received, and makes up
    the usage chunk it was asked for (counting tokens itself) when none carried one."""
    recorded = getattr(wrapper, "chunks", None)
    return isinstance(recorded, list) and any(attr(c, "usage") is not None for c in recorded)


def _sent_finish(wrapper: Any) -> str | None:
    """The finish reason as the backend sent it, where LiteLLM keeps it."""
    received = getattr(wrapper, "received_finish_reason", None)
    return received if isinstance(received, str) else None


async def stream(
    client: LiteLLMClient,
    request: CompletionRequest,
    observe: Callable[[Any], None] | None = None,
) -> AsyncIterator[StreamEvent]:
    """Stream one completion (an async generator; the core iterates and closes it);
    ``observe`` gets the provider's response headers (the core learns rate limits)."""
    route, params = await prepare(client, request, stream=True)
    reader = _Reader(route, request, asks_usage="stream_options" in params)
    wrapper: Any = None
    with tap_stop_reason() as tap:
        try:
            try:
                wrapper = await client.acompletion(route, params)
                if observe is not None:
                    observe(response_headers(wrapper))
                async for chunk in wrapper:
                    events = reader.events(chunk, wrapper)
                    early = reader.early_usage(wrapper)
                    if early is not None:
                        yield early
                    for event in events:
                        yield event
            except Exception as exc:
                error = translate_error(exc)
                if error is None:
                    raise
                raise error from cause_of(exc)
            end = reader.end(tap.value or _sent_finish(wrapper))
            final = reader.final_usage(wrapper) or reader.estimated()
            if final is not None:
                yield final
            yield end
        finally:
            if wrapper is not None:
                await wrapper.aclose()
