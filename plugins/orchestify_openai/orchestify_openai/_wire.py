"""Chat Completions JSON, decoded by the plugin, -> LLMResponse, Usage and stream events.

The fast path's counterpart of :mod:`._response` and the chunk translation of
:mod:`._stream`: the same rules applied to the decoded JSON instead of the SDK's objects.
Where the SDK's objects would hold a missing field as None, so does this (``dict.get``),
and reasoning text is read from the same two non-standard fields, so a wrong-shaped answer
fails here where it fails there. ``raw_response`` is the decoded body (a dict).
"""

from __future__ import annotations

from typing import Any

from orchestify_core.plugin import (
    CompletionRequest,
    ContentPart,
    LLMResponse,
    StreamEvent,
    TextDelta,
    TextPart,
    ThinkingDelta,
    ThinkingPart,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from orchestify_core.plugin import json_loads as loads

from ._response import estimate_usage, finish_reason, first_choice, to_usage

__all__ = [
    "delta_events",
    "reasoning_of",
    "response_from_answer",
    "response_from_body",
    "usage_from_wire",
]

_REASONING_FIELDS = ("reasoning_content", "reasoning")


_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _clean(usage: Any) -> bool:
    """Whether ``usage`` is an object of int counts (details aside), as servers send it."""
    if not isinstance(usage, dict):
        return False
    for name in _COUNTS:
        if type(usage.get(name, 0)) is not int:
            return False
    for name in _DETAILS:
        details = usage.get(name)
        if details is None:
            continue
        if not isinstance(details, dict) or any(
            type(value) is not int for value in details.values() if value is not None
        ):
            return False
    return True


_DETAILS = ("prompt_tokens_details", "completion_tokens_details")


def usage_from_wire(usage: Any) -> Usage:
    """:func:`._response.to_usage` for a decoded ``usage`` object.

    Counts that are not ints (``"12"``, ``12.0``) are read as the SDK reads them: its
    ``CompletionUsage`` validated leniently, else built field by field. Only a broken
    server sends those, so that slower lane costs nothing in the normal case.
    """
    if not _clean(usage):
        return to_usage(_sdk_usage(usage))
    prompt = usage.get("prompt_tokens_details")
    completion = usage.get("completion_tokens_details")
    return Usage(
        input_tokens=usage.get("prompt_tokens") or 0,
        output_tokens=usage.get("completion_tokens") or 0,
        cache_read_tokens=(prompt.get("cached_tokens") or 0) if prompt is not None else 0,
        cache_write_tokens=(prompt.get("cache_write_tokens") or 0) if prompt is not None else 0,
        reasoning_tokens=(
            (completion.get("reasoning_tokens") or 0) if completion is not None else 0
        ),
    )


def _sdk_usage(usage: Any) -> Any:
    """The SDK's ``CompletionUsage`` for ``usage``, as its own decoding would build it."""
    import pydantic
    from openai.types import CompletionUsage

    try:
        return CompletionUsage.model_validate(usage)
    except pydantic.ValidationError:
        return CompletionUsage.construct(**usage) if isinstance(usage, dict) else usage


def reasoning_of(message_or_delta: Any) -> str | None:
    """Reasoning text an OpenAI-compatible server put in a non-standard field, if any."""
    for name in _REASONING_FIELDS:
        value = message_or_delta.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _tool_call(call: Any) -> ToolCall:
    if call.get("type") == "function":
        function = call.get("function")
        return ToolCall.from_json(call.get("id"), function.get("name"), function.get("arguments"))
    custom = call.get("custom")
    return ToolCall(id=call.get("id"), name=custom.get("name"), raw_arguments=custom.get("input"))


def _answer(body: bytes, content_type: str) -> Any:
    """The decoded body, or (as the SDK does) its text when it is neither JSON nor says so."""
    try:
        return loads(body)
    except ValueError:
        if content_type.split(";", 1)[0].endswith("json"):
            raise
        return body.decode("utf-8", "replace")


def response_from_body(body: bytes, content_type: str, request: CompletionRequest) -> LLMResponse:
    """An LLMResponse from the bytes of a 200 answer (first choice)."""
    return response_from_answer(_answer(body, content_type), request)


def response_from_answer(answer: Any, request: CompletionRequest) -> LLMResponse:
    """An LLMResponse from a decoded 200 answer (first choice); a batch's output line holds
    one already decoded."""
    choice = first_choice(answer.get("choices") if isinstance(answer, dict) else None)
    message = choice.get("message")
    parts: list[ContentPart] = []
    thinking = reasoning_of(message)
    if thinking is not None:
        parts.append(ThinkingPart(thinking))
    content = message.get("content")
    refusal = message.get("refusal")
    if content:
        parts.append(TextPart(content))
    refused = bool(refusal) and not content
    if refused and refusal:
        parts.append(TextPart(refusal))
    tool_calls = message.get("tool_calls")
    if tool_calls:
        parts.extend(_tool_call(call) for call in tool_calls)
    usage = answer.get("usage")
    raw = choice.get("finish_reason")
    return LLMResponse.from_parts(
        parts,
        model=answer.get("model") or request.model,
        usage=usage_from_wire(usage)
        if usage is not None
        else estimate_usage(request, content or ""),
        finish_reason=finish_reason(raw, refused=refused),
        raw_finish_reason=raw,
        raw_response=answer,
    )


def delta_events(delta: Any) -> list[StreamEvent]:
    """The events of a chunk's ``delta`` that is not plain text."""
    events: list[StreamEvent] = []
    thinking = reasoning_of(delta)
    if thinking is not None:
        events.append(ThinkingDelta(thinking=thinking))
    content = delta.get("content")
    if content:
        events.append(TextDelta(content))
    refusal = delta.get("refusal")
    if refusal:
        events.append(TextDelta(refusal))
    for call in delta.get("tool_calls") or ():
        function = call.get("function")
        events.append(
            ToolCallDelta(
                index=call.get("index"),
                id=call.get("id") or None,
                name=(function.get("name") or None) if function is not None else None,
                arguments_delta=(function.get("arguments") or "") if function is not None else "",
            )
        )
    return events
