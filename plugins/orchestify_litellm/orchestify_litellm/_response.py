"""LiteLLM's responses (OpenAI-shaped ``ModelResponse`` objects) -> orchestify's records.

Usage: LiteLLM reports ``prompt_tokens`` with cache reads and writes already included, for
Anthropic too (it adds ``cache_read_input_tokens`` and ``cache_creation_input_tokens`` to
Anthropic's uncached ``input_tokens``), which is the core's convention, so
``input_tokens = prompt_tokens``. Cache reads come from ``prompt_tokens_details.cached_tokens``
(or ``cache_read_input_tokens``), cache writes from ``prompt_tokens_details.cache_write_tokens``
(or ``cache_creation_input_tokens``), the 1-hour part of the writes from
``prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens``, reasoning
tokens from ``completion_tokens_details.reasoning_tokens``.

Usage is checked where it enters: a count that is negative, fractional, not a number or
a string that is not plain digits is a :class:`MalformedResponseError`; a string of digits
(``"12"``) is read as its number. Usage that is missing (no usage, or neither prompt nor
completion tokens, or both 0, which no real answer has: LiteLLM reports missing usage as
0/0) is estimated from the text, as the core does for a stream cut short
(``estimate_tokens`` for the input, characters / ``CHARS_PER_TOKEN`` for the output), and marked
``estimated``.

Finish reasons arrive in OpenAI's vocabulary (LiteLLM translates every backend's, and
rewrites one it does not know to ``stop``): the backend's own value is taken from
``provider_specific_fields.native_finish_reason`` when LiteLLM keeps it there, and from
what the backend sent (``sent_finish``: the raw stop reason ``_http`` read, or the stream's
``received_finish_reason``) when LiteLLM says ``stop`` for a reason that is none of
``stop``'s spellings. stop ->
STOP, length -> LENGTH, tool_calls / function_call -> TOOL_USE, content_filter ->
CONTENT_FILTER; anything unknown -> OTHER, never STOP; the raw value is kept in
``raw_finish_reason``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from orchestify_core.plugin import (
    CHARS_PER_TOKEN,
    CompletionRequest,
    ContentPart,
    FinishReason,
    LLMResponse,
    MalformedResponseError,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    Usage,
    estimate_tokens,
)

from ._fields import attr
from ._fields import field as _field
from ._routing import Route, served_model

__all__ = [
    "estimated_usage",
    "finish_reason",
    "malformed",
    "raw_finish",
    "thinking_parts",
    "to_response",
    "to_usage",
]

_DIGITS = re.compile(r"[0-9]{1,18}")

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


def malformed(message: str) -> MalformedResponseError:
    """A :class:`MalformedResponseError` saying what was wrong with the answer."""
    return MalformedResponseError(f"malformed answer from the server: {message}")


def finish_reason(raw: str | None) -> FinishReason:
    """The normalised finish reason of LiteLLM's ``finish_reason``."""
    if raw is None:
        return FinishReason.OTHER
    return _FINISH.get(raw, FinishReason.OTHER)


def raw_finish(choice: object, sent: str | None = None) -> str | None:
    """The backend's own finish reason of a choice: LiteLLM's ``native_finish_reason`` when
    it kept one, else ``sent`` (what the backend sent) when LiteLLM rewrote an unknown
    reason to ``stop``, else LiteLLM's ``finish_reason``."""
    native = _field(_field(choice, "provider_specific_fields"), "native_finish_reason")
    if isinstance(native, str) and native:
        return native
    raw = _field(choice, "finish_reason")
    if not isinstance(raw, str) or not raw:
        return None
    return unmapped(raw, sent)


def unmapped(litellm_reason: str, sent: str | None) -> str:
    """``sent`` if LiteLLM's ``stop`` stands for a reason it did not know, else LiteLLM's
    reason."""
    if litellm_reason == "stop" and sent and _FINISH.get(sent) is not FinishReason.STOP:
        return sent
    return litellm_reason


def _count(value: object, name: str) -> int | None:
    """A token count as reported: None if absent; MalformedResponseError if impossible."""
    if value is None:
        return None
    count: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        count = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        count = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        count = int(value.strip())
    if count is None:
        raise malformed(f"usage {name} is {str(value)[:40]!r}, not a number of tokens")
    if count < 0:
        raise malformed(f"usage {name} is negative ({count})")
    return count


def to_usage(usage: object) -> Usage | None:
    """LiteLLM's ``Usage`` as the core's; None if the answer carried no usage (neither
    prompt nor completion tokens, or 0/0)."""
    if usage is None:
        return None
    prompt = _field(usage, "prompt_tokens_details")
    completion = _field(usage, "completion_tokens_details")
    input_tokens = _count(_field(usage, "prompt_tokens"), "prompt_tokens")
    output_tokens = _count(_field(usage, "completion_tokens"), "completion_tokens")
    cache_read = _count(_field(prompt, "cached_tokens"), "cached_tokens") or _count(
        _field(usage, "cache_read_input_tokens"), "cache_read_input_tokens"
    )
    cache_write = _count(_field(prompt, "cache_write_tokens"), "cache_write_tokens") or _count(
        _field(usage, "cache_creation_input_tokens"), "cache_creation_input_tokens"
    )
    reasoning = _count(_field(completion, "reasoning_tokens"), "reasoning_tokens")
    hour = _count(
        _field(_field(prompt, "cache_creation_token_details"), "ephemeral_1h_input_tokens"),
        "ephemeral_1h_input_tokens",
    )
    if not input_tokens and not output_tokens:
        return None
    return Usage(
        input_tokens=input_tokens or 0,
        output_tokens=output_tokens or 0,
        cache_read_tokens=cache_read or 0,
        cache_write_tokens=cache_write or 0,
        reasoning_tokens=reasoning or 0,
        cache_write_1h_tokens=min(hour or 0, cache_write or 0),
    )


def estimated_usage(request: CompletionRequest, output_chars: int) -> Usage:
    """Usage the server did not report, estimated as the core estimates a cut stream's."""
    return Usage(
        input_tokens=estimate_tokens(request),
        output_tokens=output_chars // CHARS_PER_TOKEN,
        estimated=True,
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


def _output_chars(parts: list[ContentPart]) -> int:
    chars = 0
    for part in parts:
        if isinstance(part, TextPart):
            chars += len(part.text)
        elif isinstance(part, ThinkingPart):
            chars += len(part.thinking)
        elif isinstance(part, ToolCall):
            chars += len(part.raw_arguments or json.dumps(dict(part.arguments)))
    return chars


def to_response(
    answer: Any, request: CompletionRequest, *, route: Route, sent_finish: str | None = None
) -> LLMResponse:
    """A non-streamed ``ModelResponse`` as an :class:`LLMResponse`
    (:class:`MalformedResponseError` if it has no choice or impossible usage).
    ``sent_finish``: the stop reason the backend sent, if the plugin saw it."""
    choices = attr(answer, "choices")
    if not isinstance(choices, list | tuple) or not choices:
        raise malformed("the answer has no choices")
    choice = choices[0]
    message = _field(choice, "message")
    parts = thinking_parts(_field(message, "thinking_blocks"), _field(message, "reasoning_content"))
    content = _field(message, "content")
    if isinstance(content, str) and content:
        parts.append(TextPart(content))
    parts.extend(_tool_calls(_field(message, "tool_calls")))
    raw = raw_finish(choice, sent_finish)
    usage = to_usage(attr(answer, "usage")) or estimated_usage(request, _output_chars(parts))
    return LLMResponse.from_parts(
        parts,
        model=served_model(route, attr(answer, "model")),
        usage=usage,
        finish_reason=finish_reason(raw),
        raw_finish_reason=raw,
        raw_response=answer,
    )


def response_headers(answer: Any) -> Mapping[str, str]:
    """The provider's HTTP headers LiteLLM kept with an answer or a stream (its
    ``additional_headers``, which carry the ``x-ratelimit-*`` ones unprefixed)."""
    hidden = getattr(answer, "_hidden_params", None)
    headers = hidden.get("additional_headers") if isinstance(hidden, dict) else None
    return headers if isinstance(headers, Mapping) else {}
