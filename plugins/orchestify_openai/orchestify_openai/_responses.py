"""Chat Completions answers -> orchestify: usage, finish reasons, and whole responses.

Usage follows the core's convention, which is OpenAI's own: ``input_tokens`` is
``prompt_tokens`` (cached tokens included), ``cache_read_tokens`` its ``cached_tokens``,
``output_tokens`` is ``completion_tokens`` (reasoning included).

OpenAI does not return reasoning text; some OpenAI-compatible servers do, as a
``reasoning_content`` (or ``reasoning``) field, which becomes a thinking part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestify_core.errors import APIError
from orchestify_core.models import (
    CompletionRequest,
    ContentPart,
    FinishReason,
    LLMResponse,
    TextPart,
    ThinkingPart,
    ToolCall,
    Usage,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion
    from openai.types.chat.chat_completion_message_tool_call import (
        ChatCompletionMessageToolCallUnion,
    )
    from openai.types.completion_usage import CompletionUsage
    from pydantic import BaseModel

__all__ = ["estimate_usage", "finish_reason", "reasoning_text", "to_response", "to_usage"]

_FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_USE,
    "function_call": FinishReason.TOOL_USE,
    "content_filter": FinishReason.CONTENT_FILTER,
}
_REASONING_FIELDS = ("reasoning_content", "reasoning")
_CHARS_PER_TOKEN = 4


def finish_reason(raw: str | None, *, refused: bool = False) -> FinishReason:
    """The normalised finish reason; a refusal message makes a plain stop a REFUSAL."""
    reason = _FINISH_REASONS.get(raw or "", FinishReason.OTHER)
    if refused and reason is FinishReason.STOP:
        return FinishReason.REFUSAL
    return reason


def to_usage(usage: CompletionUsage) -> Usage:
    """The SDK's usage record as a core :class:`Usage`."""
    prompt = usage.prompt_tokens_details
    completion = usage.completion_tokens_details
    return Usage(
        input_tokens=usage.prompt_tokens or 0,
        output_tokens=usage.completion_tokens or 0,
        cache_read_tokens=(prompt.cached_tokens or 0) if prompt is not None else 0,
        cache_write_tokens=(prompt.cache_write_tokens or 0) if prompt is not None else 0,
        reasoning_tokens=(completion.reasoning_tokens or 0) if completion is not None else 0,
    )


def estimate_usage(request: CompletionRequest, output_text: str) -> Usage:
    """A rough usage for a server that reported none (about four characters a token)."""
    prompt_chars = sum(len(message.text) for message in request.messages)
    return Usage(
        input_tokens=max(prompt_chars // _CHARS_PER_TOKEN, 1),
        output_tokens=len(output_text) // _CHARS_PER_TOKEN,
        estimated=True,
    )


def reasoning_text(delta_or_message: BaseModel) -> str | None:
    """Reasoning text an OpenAI-compatible server put in a non-standard field, if any."""
    extra = delta_or_message.model_extra
    if not extra:
        return None
    for name in _REASONING_FIELDS:
        value = extra.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _tool_call(call: ChatCompletionMessageToolCallUnion) -> ToolCall:
    if call.type == "function":
        return ToolCall.from_json(call.id, call.function.name, call.function.arguments)
    return ToolCall(id=call.id, name=call.custom.name, raw_arguments=call.custom.input)


def to_response(completion: ChatCompletion, request: CompletionRequest) -> LLMResponse:
    """A non-streamed completion as an :class:`LLMResponse` (first choice)."""
    if not completion.choices:
        raise APIError("the OpenAI API answered without any choice", model=request.model)
    choice = completion.choices[0]
    message = choice.message
    parts: list[ContentPart] = []
    thinking = reasoning_text(message)
    if thinking is not None:
        parts.append(ThinkingPart(thinking))
    if message.content:
        parts.append(TextPart(message.content))
    refused = bool(message.refusal) and not message.content
    if refused and message.refusal:
        parts.append(TextPart(message.refusal))
    if message.tool_calls:
        parts.extend(_tool_call(call) for call in message.tool_calls)
    if completion.usage is not None:
        usage = to_usage(completion.usage)
    else:
        usage = estimate_usage(request, message.content or "")
    raw = choice.finish_reason
    return LLMResponse.from_parts(
        parts,
        model=completion.model or request.model,
        usage=usage,
        finish_reason=finish_reason(raw, refused=refused),
        raw_finish_reason=raw,
        raw_response=completion,
    )
