"""LiteLLM's responses (OpenAI-shaped ``ModelResponse`` objects) -> orchestify's records.

Usage: LiteLLM reports ``prompt_tokens`` with cache reads and writes already included, for
Anthropic too (it adds ``cache_read_input_tokens`` and ``cache_creation_input_tokens`` to
Anthropic's uncached ``input_tokens``), which is the core's convention, so
``input_tokens = prompt_tokens``. Cache reads come from ``prompt_tokens_details.cached_tokens``
(or ``cache_read_input_tokens``), cache writes from ``prompt_tokens_details.cache_write_tokens``
(or ``cache_creation_input_tokens``), reasoning tokens from
``completion_tokens_details.reasoning_tokens``.

Finish reasons arrive in OpenAI's vocabulary (LiteLLM translates every backend's):
stop -> STOP, length -> LENGTH, tool_calls / function_call -> TOOL_USE, content_filter ->
CONTENT_FILTER; refusal, pause_turn and anything else are kept raw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestify_core.models import (
    ContentPart,
    FinishReason,
    LLMResponse,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    Usage,
)

from ._fields import attr
from ._fields import field as _field
from ._routing import Route, served_model

__all__ = ["finish_reason", "thinking_parts", "to_response", "to_usage"]

_FINISH = {
    "stop": FinishReason.STOP,
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "max_tokens": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_USE,
    "function_call": FinishReason.TOOL_USE,
    "tool_use": FinishReason.TOOL_USE,
    "content_filter": FinishReason.CONTENT_FILTER,
    "refusal": FinishReason.REFUSAL,
    "pause_turn": FinishReason.PAUSE,
}


def finish_reason(raw: str | None) -> FinishReason:
    """The normalised finish reason of LiteLLM's ``finish_reason``."""
    if raw is None:
        return FinishReason.OTHER
    return _FINISH.get(raw, FinishReason.OTHER)


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def to_usage(usage: object) -> Usage:
    """LiteLLM's ``Usage`` as the core's."""
    prompt = _field(usage, "prompt_tokens_details")
    completion = _field(usage, "completion_tokens_details")
    cache_read = _count(_field(prompt, "cached_tokens")) or _count(
        _field(usage, "cache_read_input_tokens")
    )
    cache_write = _count(_field(prompt, "cache_write_tokens")) or _count(
        _field(usage, "cache_creation_input_tokens")
    )
    return Usage(
        input_tokens=_count(_field(usage, "prompt_tokens")),
        output_tokens=_count(_field(usage, "completion_tokens")),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=_count(_field(completion, "reasoning_tokens")),
    )


def thinking_parts(blocks: object, reasoning: object) -> list[ContentPart]:
    """Thinking from LiteLLM's ``thinking_blocks`` (with signatures), else from its plain
    ``reasoning_content`` (no signature)."""
    parts: list[ContentPart] = []
    if isinstance(blocks, Iterable) and not isinstance(blocks, str | bytes):
        for block in blocks:
            kind = _field(block, "type")
            if kind == "thinking":
                text, signature = _field(block, "thinking"), _field(block, "signature")
                parts.append(
                    ThinkingPart(
                        text if isinstance(text, str) else "",
                        signature if isinstance(signature, str) and signature else None,
                    )
                )
            elif kind == "redacted_thinking":
                data = _field(block, "data")
                if isinstance(data, str):
                    parts.append(RedactedThinkingPart(data))
    if not parts and isinstance(reasoning, str) and reasoning:
        parts.append(ThinkingPart(reasoning))
    return parts


def _tool_calls(calls: object) -> list[ContentPart]:
    parts: list[ContentPart] = []
    if not isinstance(calls, Iterable):
        return parts
    for call in calls:
        function = _field(call, "function")
        call_id, name = _field(call, "id"), _field(function, "name")
        arguments = _field(function, "arguments")
        parts.append(
            ToolCall.from_json(
                call_id if isinstance(call_id, str) else "",
                name if isinstance(name, str) else "",
                arguments if isinstance(arguments, str) else "",
            )
        )
    return parts


def to_response(response: Any, route: Route) -> LLMResponse:
    """A non-streamed ``ModelResponse`` as an :class:`LLMResponse`."""
    choices = attr(response, "choices") or []
    choice = choices[0] if choices else None
    message = _field(choice, "message")
    parts = thinking_parts(_field(message, "thinking_blocks"), _field(message, "reasoning_content"))
    content = _field(message, "content")
    if isinstance(content, str) and content:
        parts.append(TextPart(content))
    parts.extend(_tool_calls(_field(message, "tool_calls")))
    raw = _field(choice, "finish_reason")
    raw_finish = raw if isinstance(raw, str) else None
    usage = attr(response, "usage")
    return LLMResponse.from_parts(
        parts,
        model=served_model(route, attr(response, "model")),
        usage=to_usage(usage) if usage is not None else Usage(),
        finish_reason=finish_reason(raw_finish),
        raw_finish_reason=raw_finish,
        raw_response=response,
    )
