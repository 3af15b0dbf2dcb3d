"""Anthropic's raw stream events -> orchestify stream events.

Anthropic numbers content blocks across kinds (thinking, text, tool use); orchestify numbers
tool calls and thinking blocks each from 0, so the translator keeps the mapping. A
``UsageEvent`` goes out at ``message_start``, which already carries the input counts (so a
stream cut short is still accounted), and again at ``message_delta`` with the final,
cumulative counts. ``StreamEnd`` is sent only at ``message_stop``: a stream that ends
without it is incomplete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestify_core import (
    RedactedThinking,
    StreamEnd,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    Usage,
    UsageEvent,
)
from orchestify_core.models import StreamEvent

from ._responses import finish_reason, usage_of

if TYPE_CHECKING:
    from anthropic.types import (
        RawContentBlockDeltaEvent,
        RawContentBlockStartEvent,
        RawMessageStreamEvent,
    )

__all__ = ["StreamTranslator"]


class StreamTranslator:
    """Translates one stream's events in order; ``feed`` returns what to yield, if anything."""

    __slots__ = ("_thinking", "_tools", "model", "stop_reason", "usage")

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage: Usage | None = None
        self.stop_reason: str | None = None
        self._tools: dict[int, int] = {}
        self._thinking: dict[int, int] = {}

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

    def _start(self, event: RawContentBlockStartEvent) -> StreamEvent | None:
        block = event.content_block
        if block.type == "text":
            return TextDelta(block.text) if block.text else None
        if block.type == "thinking":
            ordinal = self._thinking.setdefault(event.index, len(self._thinking))
            if block.thinking or block.signature:
                return ThinkingDelta(block.thinking, block.signature or "", index=ordinal)
            return None
        if block.type == "redacted_thinking":
            return RedactedThinking(block.data)
        if block.type == "tool_use":
            ordinal = self._tools.setdefault(event.index, len(self._tools))
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
            ordinal = self._thinking.setdefault(event.index, len(self._thinking))
            return ThinkingDelta(thinking=delta.thinking, index=ordinal)
        if delta.type == "signature_delta":
            ordinal = self._thinking.setdefault(event.index, len(self._thinking))
            return ThinkingDelta(signature=delta.signature, index=ordinal)
        return None
