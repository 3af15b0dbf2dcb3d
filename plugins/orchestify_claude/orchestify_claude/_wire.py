"""The Messages API's JSON, decoded by the plugin, -> LLMResponse and Usage.

The fast path's counterpart of :mod:`._response`: the same rules, applied to the decoded
JSON instead of the SDK's objects. Where the SDK's objects would hold a missing field as
None, so does this (``dict.get``), so a wrong-shaped answer fails here exactly where it
fails there; a body that is not a JSON object is a :class:`MalformedResponseError`.
``raw_response`` is the decoded body (a dict).
"""

from __future__ import annotations

from typing import Any

from orchestify_core.plugin import (
    CompletionRequest,
    ContentPart,
    LLMResponse,
    MalformedResponseError,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    Usage,
)
from orchestify_core.plugin import json_loads as loads

from ._prompt_cache import hour_writes
from ._response import finish_reason, tool_call

__all__ = ["decode_message", "response_from_body", "usage_from_wire"]

_NO_USAGE = Usage()


def usage_from_wire(usage: Any, previous: Usage | None = None) -> Usage:
    """:func:`._response.usage_of` for a decoded ``usage`` object."""
    base = previous or _NO_USAGE
    cache_read = usage.get("cache_read_input_tokens")
    cache_write = usage.get("cache_creation_input_tokens")
    cache_read = base.cache_read_tokens if cache_read is None else cache_read
    cache_write = base.cache_write_tokens if cache_write is None else cache_write
    uncached = usage.get("input_tokens")
    if uncached is None:
        uncached = base.input_tokens - base.cache_read_tokens - base.cache_write_tokens
    details = usage.get("output_tokens_details")
    reasoning = details.get("thinking_tokens") if isinstance(details, dict) else None
    return Usage(
        input_tokens=uncached + cache_read + cache_write,
        output_tokens=usage.get("output_tokens"),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning if isinstance(reasoning, int) else base.reasoning_tokens,
        cache_write_1h_tokens=hour_writes(usage, base.cache_write_1h_tokens),
    )


def _parts(content: Any) -> list[ContentPart]:
    parts: list[ContentPart] = []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            parts.append(TextPart(block.get("text")))
        elif kind == "thinking":
            parts.append(ThinkingPart(block.get("thinking"), block.get("signature") or None))
        elif kind == "redacted_thinking":
            parts.append(RedactedThinkingPart(block.get("data")))
        elif kind == "tool_use":
            parts.append(tool_call(block.get("id"), block.get("name"), block.get("input")))
    return parts


def decode_message(message: dict[str, Any], request: CompletionRequest) -> LLMResponse:
    """An LLMResponse from a decoded message object."""
    stop_reason = message.get("stop_reason")
    return LLMResponse.from_parts(
        _parts(message.get("content")),
        model=message.get("model") or request.model,
        usage=usage_from_wire(message.get("usage")),
        finish_reason=finish_reason(stop_reason),
        raw_finish_reason=stop_reason,
        raw_response=message,
    )


def response_from_body(body: bytes, content_type: str, request: CompletionRequest) -> LLMResponse:
    """An LLMResponse from the bytes of a 200 answer.

    As the SDK does, a body whose Content-Type is not JSON is still read as JSON when it
    parses (and is an error when it does not).
    """
    try:
        message = loads(body)
    except ValueError:
        if content_type.split(";", 1)[0].strip().lower().endswith("json"):
            raise
        raise MalformedResponseError(
            f"Anthropic answered with a {content_type or 'untyped'} body that is not JSON"
        ) from None
    if not isinstance(message, dict):
        raise MalformedResponseError(
            f"Anthropic answered with a JSON {type(message).__name__}, not a message object"
        )
    return decode_message(message, request)
