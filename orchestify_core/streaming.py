"""Stream plumbing: assembling a response from events, the stream objects users iterate, and
a whole-stream deadline that costs next to nothing per chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import TYPE_CHECKING, Self

from .models import (
    ContentPart,
    LLMResponse,
    RedactedThinking,
    RedactedThinkingPart,
    StreamDone,
    StreamEnd,
    StreamEvent,
    TextDelta,
    TextPart,
    ThinkingDelta,
    ThinkingPart,
    ToolCall,
    ToolCallComplete,
    ToolCallDelta,
    Usage,
)

if TYPE_CHECKING:
    from .models import CompletionRequest

__all__ = ["EventStream", "StreamAccumulator", "TextStream"]


class StreamAccumulator:
    """Collects a stream's deltas into the parts of the final response."""

    __slots__ = ("_blocks", "_slots", "_tools", "completed_tool_calls", "text", "usage")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.usage: Usage | None = None
        # Thinking blocks by index, and redacted ones, in arrival order.
        self._blocks: dict[int, list[str]] = {}
        # Tool calls in arrival order as [id, name, arguments]; _slots maps a stream index
        # to its current call (a new id at a used index starts another call).
        self._tools: list[list[str]] = []
        self._slots: dict[int, int] = {}
        self.completed_tool_calls: list[ToolCallComplete] = []

    def add(self, event: StreamEvent) -> None:
        """Fold one non-text event in (text is appended directly by the hot loop)."""
        if isinstance(event, ThinkingDelta):
            block = self._blocks.setdefault(event.index, ["", ""])
            block[0] += event.thinking
            block[1] += event.signature
        elif isinstance(event, ToolCallDelta):
            self._add_tool_delta(event)
        elif isinstance(event, RedactedThinking):
            self._blocks[-1 - len(self._blocks)] = [event.data, "\0redacted"]

    def _add_tool_delta(self, event: ToolCallDelta) -> None:
        slot = self._slots.get(event.index)
        if slot is None or (event.id and self._tools[slot][0] and event.id != self._tools[slot][0]):
            slot = len(self._tools)
            self._slots[event.index] = slot
            self._tools.append(["", "", ""])
        tool = self._tools[slot]
        if event.id:
            tool[0] = event.id
        if event.name:
            tool[1] = event.name
        tool[2] += event.arguments_delta

    @property
    def delivered(self) -> bool:
        """Whether any content (not just usage) has arrived."""
        return bool(self.text or self._blocks or self._tools)

    def tool_calls(self) -> list[ToolCallComplete]:
        return [
            ToolCallComplete(index, ToolCall.from_json(id_, name, arguments))
            for index, (id_, name, arguments) in enumerate(self._tools)
        ]

    def parts(self, tool_calls: list[ToolCallComplete]) -> list[ContentPart]:
        parts: list[ContentPart] = []
        for text, signature in self._blocks.values():
            if signature == "\0redacted":
                parts.append(RedactedThinkingPart(text))
            else:
                parts.append(ThinkingPart(text, signature or None))
        if self.text:
            parts.append(TextPart("".join(self.text)))
        parts.extend(complete.tool_call for complete in tool_calls)
        return parts

    def response(self, end: StreamEnd, request: CompletionRequest, usage: Usage) -> LLMResponse:
        """The assembled response; its tool calls are kept in :attr:`completed_tool_calls`."""
        self.completed_tool_calls = tool_calls = self.tool_calls()
        return LLMResponse.from_parts(
            self.parts(tool_calls),
            model=end.model or request.model,
            usage=usage,
            finish_reason=end.finish_reason,
            raw_finish_reason=end.raw_finish_reason,
            raw_response=end.raw_response,
        )


class _Stream:
    """What ``LLMProvider.stream()`` returns: an async iterator and an async context manager.

    Leaving an ``async with`` block, or calling :meth:`aclose`, ends the request at once
    (the connection is released and the usage so far accounted). After the stream was read
    to its end, :attr:`response` holds the assembled :class:`LLMResponse`.
    """

    __slots__ = ("_events", "response")

    def __init__(self, events: AsyncGenerator[StreamEvent, None]) -> None:
        self._events = events
        self.response: LLMResponse | None = None

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def get_final_response(self) -> LLMResponse:
        """Read the rest of the stream and return the assembled response."""
        async for event in self._events:
            if type(event) is StreamDone:
                self.response = event.response
        if self.response is None:  # pragma: no cover - the core always ends with StreamDone
            raise RuntimeError("the stream ended without a response")
        return self.response


class TextStream(_Stream):
    """Yields the answer's text as it arrives (the seed's ``stream()``)."""

    __slots__ = ()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        events = self._events
        while True:
            event = await events.__anext__()
            kind = type(event)
            if kind is TextDelta:
                return event.text  # type: ignore[union-attr]
            if kind is StreamDone:
                self.response = event.response  # type: ignore[union-attr]


class EventStream(_Stream):
    """Yields typed events: text, thinking and tool-call deltas, usage, and a final
    :class:`~orchestify_core.models.StreamDone` with the assembled response."""

    __slots__ = ()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> StreamEvent:
        event = await self._events.__anext__()
        if isinstance(event, StreamDone):
            self.response = event.response
        return event


class Deadline:
    """A deadline over a whole stream, checked without a timer context per chunk.

    One timer is scheduled. If it fires while the stream waits on the provider, the waiting
    task is cancelled and the cancellation turned into a timeout by :meth:`expired_cancel`;
    if it fires while the caller holds a chunk, the next wait fails at once.
    """

    __slots__ = ("_handle", "_task", "expired", "fired_cancel", "waiting")

    def __init__(self, timeout: float | None) -> None:
        self.waiting = False
        self.expired = False
        self.fired_cancel = False
        self._task = asyncio.current_task()
        self._handle: asyncio.TimerHandle | None = None
        if timeout is not None:
            self._handle = asyncio.get_running_loop().call_later(timeout, self._fire)

    def _fire(self) -> None:
        self.expired = True
        if self.waiting and self._task is not None and not self._task.done():
            self.fired_cancel = True
            self._task.cancel()

    def expired_cancel(self) -> bool:
        """After a CancelledError: whether it was this deadline's (and undo its count)."""
        if self.fired_cancel and self._task is not None:
            self.fired_cancel = False
            self._task.uncancel()
            return True
        return False

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
