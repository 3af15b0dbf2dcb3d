"""Anthropic's raw stream events -> orchestify stream events.

Anthropic numbers content blocks across kinds (thinking, text, tool use); orchestify numbers
tool calls and thinking blocks each from 0, so the translator keeps the mapping. Every
``content_block_start`` opens a new block, even at an index an earlier block used (a
hostile or buggy server may reuse one): it gets a new ordinal, so two tool calls never
merge. A ``UsageEvent`` goes out at ``message_start``, which already carries the input
counts (so a stream cut short is still accounted), and again at ``message_delta`` with the
final, cumulative counts. ``StreamEnd`` is sent only at ``message_stop``: a stream that
ends without it is incomplete, and the core says so (retried when nothing was delivered).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from orchestify_core.plugin import (
    CompletionRequest,
    RedactedThinking,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    Usage,
    UsageEvent,
)

from ._errors import raise_translated
from ._options import ClaudeOptions
from ._request import build_params
from ._response import finish_reason, usage_of

if TYPE_CHECKING:
    import anthropic
    from anthropic.types import (
        RawContentBlockDeltaEvent,
        RawContentBlockStartEvent,
        RawMessageStreamEvent,
    )

__all__ = ["StreamTranslator", "stream_events"]


class StreamTranslator:
    """Translates one stream's events in order; ``feed`` returns what to yield, if anything."""

    __slots__ = ("_thinking", "_thinking_count", "_tool_count", "_tools", "model",
                 "stop_reason", "usage")  # fmt: skip

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage: Usage | None = None
        self.stop_reason: str | None = None
        self._tools: dict[int, int] = {}  # block index -> tool call ordinal
        self._thinking: dict[int, int] = {}  # block index -> thinking block ordinal
        self._tool_count = 0
        self._thinking_count = 0

    def feed(self, event: RawMessageStreamEvent) -> StreamEvent | None:
        if event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":  # most events: kept to one call
                return TextDelta(delta.text)
            return self._delta(event)
        if event.type == "content_block_start":
            return self._start(event)
        if event.type == "message_start":
            self.model = event.message.model or self.model
            self.usage = usage_of(event.message.usage)
            return UsageEvent(self.usage)
        if event.type == "message_delta":
            self.stop_reason = event.delta.stop_reason or self.stop_reason
            self.usage = usage_of(event.usage, self.usage)
            return UsageEvent(self.usage)
        if event.type == "message_stop":
            return StreamEnd(
                finish_reason=finish_reason(self.stop_reason),
                raw_finish_reason=self.stop_reason,
                model=self.model,
            )
        return None

    def _new_thinking(self, index: int) -> int:
        ordinal = self._thinking[index] = self._thinking_count
        self._thinking_count += 1
        return ordinal

    def _thinking_ordinal(self, index: int) -> int:
        ordinal = self._thinking.get(index)
        return self._new_thinking(index) if ordinal is None else ordinal

    def _start(self, event: RawContentBlockStartEvent) -> StreamEvent | None:
        block = event.content_block
        index = event.index
        self._tools.pop(index, None)  # a block reusing an index is a new block
        self._thinking.pop(index, None)
        if block.type == "text":
            return TextDelta(block.text) if block.text else None
        if block.type == "thinking":
            ordinal = self._new_thinking(index)
            if block.thinking or block.signature:
                return ThinkingDelta(block.thinking, block.signature or "", index=ordinal)
            return None
        if block.type == "redacted_thinking":
            return RedactedThinking(block.data)
        if block.type == "tool_use":
            ordinal = self._tools[index] = self._tool_count
            self._tool_count += 1
            return ToolCallDelta(index=ordinal, id=block.id, name=block.name)
        return None

    def _delta(self, event: RawContentBlockDeltaEvent) -> StreamEvent | None:
        delta = event.delta
        if delta.type == "text_delta":
            return TextDelta(delta.text)
        if delta.type == "input_json_delta":
            ordinal = self._tools.get(event.index)
            if ordinal is None or not delta.partial_json:
                return None
            return ToolCallDelta(index=ordinal, arguments_delta=delta.partial_json)
        if delta.type == "thinking_delta":
            return ThinkingDelta(thinking=delta.thinking, index=self._thinking_ordinal(event.index))
        if delta.type == "signature_delta":
            ordinal = self._thinking_ordinal(event.index)
            return ThinkingDelta(signature=delta.signature, index=ordinal)
        return None


async def stream_events(
    client: anthropic.AsyncAnthropic, request: CompletionRequest, options: ClaudeOptions
) -> AsyncIterator[StreamEvent]:
    """One streamed attempt: the SDK's events translated, ``StreamEnd`` last.

    ``StreamEnd`` is held until the SDK has read the body to its end: a consumer that stops
    at it would otherwise close an unfinished response, and the HTTP client would drop the
    connection instead of pooling it.
    """
    params = build_params(request, options)
    feed = StreamTranslator(request.model).feed
    sdk_stream = None
    end: StreamEvent | None = None
    try:
        try:
            sdk_stream = await client.messages.create(stream=True, **params)
            async for sdk_event in sdk_stream:
                event = feed(sdk_event)
                if event is not None:
                    if type(event) is StreamEnd:
                        end = event
                    else:
                        yield event
        except Exception as exc:
            raise_translated(exc)
        if end is not None:
            yield end
    finally:
        if sdk_stream is not None:
            await sdk_stream.close()
