"""CompletionRequest -> the keyword arguments of ``AsyncAnthropic.messages.create``.

The Messages API takes the system prompt apart from the messages, wants user and assistant
turns to alternate, and carries tool results in user turns. So system messages become the
``system`` parameter, ``tool`` messages become user turns, consecutive turns of one role are
merged, and in a user turn the tool results come first (the API refuses text before them).
Thinking blocks go back exactly as received (with their signatures) so that a conversation
with extended thinking and tools can continue; a thinking part without a signature (from
another provider, say) cannot be verified by the API and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orchestify_core import (
    CompletionRequest,
    ImagePart,
    LLMMessage,
    RedactedThinkingPart,
    RequestValidationError,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)
from orchestify_core.models import ContentPart

from ._capabilities import ADAPTIVE_THINKING_FAMILIES, family_of

__all__ = [
    "MIN_THINKING_BUDGET",
    "build_params",
    "content_block",
    "convert_messages",
    "thinking_config",
    "tool_choice_param",
    "tool_param",
]

Block = dict[str, Any]

#: The smallest ``budget_tokens`` the API accepts.
MIN_THINKING_BUDGET = 1024

#: ``extra`` keys handed to the SDK as they are; every other key goes into the JSON body.
_SDK_KEYWORDS = frozenset({"extra_headers", "extra_query", "extra_body"})


def _image_block(image: ImagePart) -> Block:
    if image.url is None:
        source: Block = {"type": "base64", "media_type": image.media_type, "data": image.data}
    elif image.url.startswith("data:"):
        header, sep, data = image.url.partition(",")
        media_type = header[len("data:") :].removesuffix(";base64")
        if not sep or not header.endswith(";base64") or not media_type:
            raise RequestValidationError(
                "an image data: URL must be base64, like 'data:image/png;base64,...'"
            )
        source = {"type": "base64", "media_type": media_type, "data": data}
    else:
        source = {"type": "url", "url": image.url}
    return {"type": "image", "source": source}


def content_block(part: ContentPart) -> Block | None:
    """One content part as an Anthropic content block (None: nothing to send)."""
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text} if part.text else None
    if isinstance(part, ImagePart):
        return _image_block(part)
    if isinstance(part, ToolCall):
        return {"type": "tool_use", "id": part.id, "name": part.name, "input": dict(part.arguments)}
    if isinstance(part, ToolResultPart):
        block: Block = {
            "type": "tool_result",
            "tool_use_id": part.tool_call_id,
            "content": part.content,
        }
        if part.is_error:
            block["is_error"] = True
        return block
    if isinstance(part, ThinkingPart):
        if not part.signature:
            return None
        return {"type": "thinking", "thinking": part.thinking, "signature": part.signature}
    if isinstance(part, RedactedThinkingPart):
        return {"type": "redacted_thinking", "data": part.data}
    raise RequestValidationError(f"cannot send a {type(part).__name__} to Anthropic")


def convert_messages(messages: Sequence[LLMMessage]) -> list[Block]:
    """The conversation as alternating Anthropic turns (system messages left out)."""
    turns: list[Block] = []
    for message in messages:
        role = message.role
        if role == "system":
            continue
        role = "assistant" if role == "assistant" else "user"
        content = message.content
        if isinstance(content, str):  # plain text, the common case: no TextPart to build
            if not content:
                continue
            blocks: list[Block] = [{"type": "text", "text": content}]
        else:
            blocks = [b for b in (content_block(p) for p in content) if b is not None]
            if not blocks:
                continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":
            content = turn["content"]
            results = [b for b in content if b["type"] == "tool_result"]
            if results and len(results) != len(content):
                turn["content"] = results + [b for b in content if b["type"] != "tool_result"]
    return turns


def tool_param(tool: ToolDefinition) -> Block:
    """A tool definition as the API takes it."""
    param: Block = {"name": tool.name, "input_schema": dict(tool.input_schema)}
    if tool.description:
        param["description"] = tool.description
    return param


def tool_choice_param(choice: str, tools: Sequence[ToolDefinition]) -> Block:
    """``auto``, ``none``, ``required`` (the API's ``any``) or the name of a tool."""
    if choice in ("auto", "none"):
        return {"type": choice}
    if choice == "required":
        return {"type": "any"}
    names = [tool.name for tool in tools]
    if choice not in names:
        raise RequestValidationError(
            f"tool_choice {choice!r} is neither 'auto', 'none', 'required' nor the name of "
            f"one of the tools ({', '.join(names) or 'none given'})"
        )
    return {"type": "tool", "name": choice}


def thinking_config(request: CompletionRequest) -> Block:
    """The ``thinking`` parameter of a request that thinks.

    ``budget_tokens`` is the request's ``thinking_budget`` or, by default, half of
    ``max_tokens`` (at least 1,024); the API wants it at least 1,024 and below
    ``max_tokens``. Families for which the SDK deprecates budgets think adaptively.
    """
    if family_of(request.model) in ADAPTIVE_THINKING_FAMILIES:
        return {"type": "adaptive"}
    max_tokens = request.max_tokens
    budget = request.thinking_budget
    if budget is None:
        budget = min(max(MIN_THINKING_BUDGET, max_tokens // 2), max_tokens - 1)
    if budget < MIN_THINKING_BUDGET or budget >= max_tokens:
        raise RequestValidationError(
            f"extended thinking needs a thinking budget of at least {MIN_THINKING_BUDGET} "
            f"tokens and below max_tokens ({max_tokens}); got {budget}"
            + ("" if max_tokens > MIN_THINKING_BUDGET else ": raise max_tokens above 1024")
        )
    return {"type": "enabled", "budget_tokens": budget}


def _forces_tool(choice: str | None) -> bool:
    return choice is not None and choice not in ("auto", "none")


def build_params(request: CompletionRequest, *, send_temperature: bool = False) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for ``request`` (without ``stream``).

    ``temperature`` is not a parameter of the Messages API version the SDK speaks; with
    ``send_temperature`` it is sent anyway (in the JSON body), except when thinking, which
    requires the default. ``request.extra`` is merged last: ``extra_headers``,
    ``extra_query`` and ``extra_body`` go to the SDK, any other key into the JSON body,
    where it wins over what this function computed.
    """
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": convert_messages(request.messages),
    }
    system = request.system
    if system:
        params["system"] = system
    if request.tools:
        params["tools"] = [tool_param(tool) for tool in request.tools]
    if request.tool_choice is not None:
        params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)
    if request.stop:
        params["stop_sequences"] = list(request.stop)
    body: dict[str, Any] = {}
    if request.thinking:
        if _forces_tool(request.tool_choice):
            raise RequestValidationError(
                "extended thinking works only with tool_choice 'auto' or 'none', "
                f"not {request.tool_choice!r}"
            )
        params["thinking"] = thinking_config(request)
    elif send_temperature and request.temperature is not None:
        if not 0 <= request.temperature <= 1:
            raise RequestValidationError(
                f"Anthropic takes a temperature between 0 and 1, got {request.temperature}"
            )
        body["temperature"] = request.temperature
    _merge_extra(params, body, request.extra)
    if body:
        params["extra_body"] = body
    return params


def _merge_extra(params: dict[str, Any], body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key == "extra_body":
            if not isinstance(value, Mapping):
                raise RequestValidationError("extra['extra_body'] must be a mapping")
            body.update(value)
        elif key in _SDK_KEYWORDS:
            params[key] = value
        else:
            body[key] = value
