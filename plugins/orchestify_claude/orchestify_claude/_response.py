"""Anthropic messages -> LLMResponse: content parts, usage and finish reasons.

Usage follows the core's convention: ``input_tokens`` counts every input token, so
Anthropic's uncached ``input_tokens``, ``cache_read_input_tokens`` and
``cache_creation_input_tokens`` are added up; the last two are also reported apart.
Server-tool blocks (web search and the like) are not content parts; they stay in
``raw_response``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from orchestify_core.plugin import (
    CompletionRequest,
    ContentPart,
    FinishReason,
    LLMResponse,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    Usage,
)

from ._prompt_cache import hour_writes

if TYPE_CHECKING:
    from anthropic.types import ContentBlock, Message

__all__ = ["finish_reason", "parts_of", "to_response", "tool_call", "usage_of"]

_FINISH_REASONS: dict[str, FinishReason] = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_USE,
    "refusal": FinishReason.REFUSAL,
    "pause_turn": FinishReason.PAUSE,
}


_NO_USAGE = Usage()  # what a report without a previous one falls back on


class _UsageLike(Protocol):
    """What ``Usage`` (in a message) and ``MessageDeltaUsage`` (in a stream) have in common."""

    @property
    def input_tokens(self) -> int | None: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def cache_read_input_tokens(self) -> int | None: ...
    @property
    def cache_creation_input_tokens(self) -> int | None: ...
    @property
    def output_tokens_details(self) -> Any: ...


def finish_reason(stop_reason: str | None) -> FinishReason:
    """Anthropic's ``stop_reason`` normalised (``model_context_window_exceeded`` is LENGTH)."""
    if stop_reason is None:
        return FinishReason.OTHER
    return _FINISH_REASONS.get(stop_reason, FinishReason.OTHER)


def usage_of(usage: _UsageLike, previous: Usage | None = None) -> Usage:
    """The core's Usage from Anthropic's; counts the report leaves out come from ``previous``.

    A stream's ``message_delta`` may omit the input counts it already sent in
    ``message_start``; its counts are cumulative, so they replace the earlier ones.
    """
    base = previous or _NO_USAGE
    cache_read = usage.cache_read_input_tokens
    cache_write = usage.cache_creation_input_tokens
    cache_read = base.cache_read_tokens if cache_read is None else cache_read
    cache_write = base.cache_write_tokens if cache_write is None else cache_write
    if usage.input_tokens is None:
        uncached = base.input_tokens - base.cache_read_tokens - base.cache_write_tokens
    else:
        uncached = usage.input_tokens
    details = usage.output_tokens_details
    reasoning = None if details is None else getattr(details, "thinking_tokens", None)
    return Usage(
        input_tokens=uncached + cache_read + cache_write,
        output_tokens=usage.output_tokens,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning if isinstance(reasoning, int) else base.reasoning_tokens,
        cache_write_1h_tokens=hour_writes(usage, base.cache_write_1h_tokens),
    )


def tool_call(tool_id: str, name: str, arguments: object) -> ToolCall:
    """A ToolCall from a tool_use block's ``input`` (kept as text if it is not an object)."""
    if isinstance(arguments, dict):
        return ToolCall(id=tool_id, name=name, arguments=arguments)
    return ToolCall(id=tool_id, name=name, raw_arguments=json.dumps(arguments))


def parts_of(content: list[ContentBlock]) -> list[ContentPart]:
    """The content blocks that are orchestify content parts, in order."""
    parts: list[ContentPart] = []
    for block in content:
        if block.type == "text":
            parts.append(TextPart(block.text))
        elif block.type == "thinking":
            parts.append(ThinkingPart(block.thinking, block.signature or None))
        elif block.type == "redacted_thinking":
            parts.append(RedactedThinkingPart(block.data))
        elif block.type == "tool_use":
            parts.append(tool_call(block.id, block.name, block.input))
    return parts


def to_response(message: Message, request: CompletionRequest) -> LLMResponse:
    """An LLMResponse from a complete (non-streamed) message.

    A wrong-shaped message (no content list, usage of the wrong type) raises here; the
    core types that as a retryable MalformedResponseError.
    """
    return LLMResponse.from_parts(
        parts_of(message.content),
        model=message.model or request.model,
        usage=usage_of(message.usage),
        finish_reason=finish_reason(message.stop_reason),
        raw_finish_reason=message.stop_reason,
        raw_response=message,
    )
