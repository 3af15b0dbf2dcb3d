"""The SDK's answers -> orchestify: a completion to an :class:`LLMResponse`, and the pieces
the stream shares (finish reasons, usage, reasoning text).

- Text, a refusal's text (finishing with ``REFUSAL``), tool calls, and reasoning text
  that OpenAI-compatible servers put in ``reasoning_content`` / ``reasoning``.
- ``prompt_tokens`` counts every input token, cached ones included (orchestify's own
  convention); ``reasoning_tokens`` are part of ``completion_tokens``.
- A server that reports no usage gets an estimate from the core's token estimates,
  marked as such.
- A 200 whose ``choices`` is missing, not a list or empty is a
  :class:`MalformedResponseError` (retried: another try or provider may do better).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    CompletionRequest,
    ContentPart,
    FinishReason,
    LLMResponse,
    MalformedResponseError,
    TextPart,
    ThinkingPart,
    ToolCall,
    Usage,
    estimate_text_tokens,
    estimate_tokens,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion
    from openai.types.chat.chat_completion import Choice
    from openai.types.chat.chat_completion_message_tool_call import (
        ChatCompletionMessageToolCallUnion,
    )
    from openai.types.completion_usage import CompletionUsage
    from pydantic import BaseModel

__all__ = [
    "estimate_usage",
    "finish_reason",
    "first_choice",
    "reasoning_text",
    "to_response",
    "to_usage",
]

_FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_USE,
    "function_call": FinishReason.TOOL_USE,
    "content_filter": FinishReason.CONTENT_FILTER,
}
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def finish_reason(raw: str | None, *, refused: bool = False) -> FinishReason:
    """The normalised finish reason; a refusal message makes a plain stop a REFUSAL."""
    reason = _FINISH_REASONS.get(raw or "", FinishReason.OTHER)
    if refused and reason is FinishReason.STOP:
        return FinishReason.REFUSAL
    return reason


def to_usage(usage: CompletionUsage) -> Usage:
    """The SDK's usage record as a core :class:`Usage` (which refuses impossible counts)."""
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
    """A rough usage for a server that reported none."""
    return Usage(
        input_tokens=estimate_tokens(request),
        output_tokens=estimate_text_tokens(output_text),
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


def _first_choice(answer: ChatCompletion) -> Choice:
    """The answer's first choice; a 200 without a list of choices is malformed."""
    choice: Choice = first_choice(getattr(answer, "choices", None))
    return choice


def first_choice(choices: Any) -> Any:
    """The first of an answer's ``choices``; anything but a non-empty list is malformed."""
    if not isinstance(choices, list):
        raise MalformedResponseError(
            f"the OpenAI API answered without a list of choices ({type(choices).__name__})"
        )
    if not choices:
        raise MalformedResponseError("the OpenAI API answered without any choice")
    return choices[0]


def to_response(answer: ChatCompletion, request: CompletionRequest) -> LLMResponse:
    """A non-streamed completion as an :class:`LLMResponse` (first choice)."""
    choice = _first_choice(answer)
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
    if answer.usage is not None:
        usage = to_usage(answer.usage)
    else:
        usage = estimate_usage(request, message.content or "")
    raw = choice.finish_reason
    return LLMResponse.from_parts(
        parts,
        model=answer.model or request.model,
        usage=usage,
        finish_reason=finish_reason(raw, refused=refused),
        raw_finish_reason=raw,
        raw_response=answer,
    )
