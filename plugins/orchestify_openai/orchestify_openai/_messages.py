"""orchestify messages and tools -> Chat Completions ``messages``, ``tools`` and
``tool_choice``.

- ``system`` messages keep their place; reasoning models get them as ``developer`` messages.
- Text and images (``image_url`` parts: a URL, or a base64 ``data:`` URL) become user
  content; a message of text alone is sent as a plain string.
- An assistant's ``ToolCall`` parts become its ``tool_calls``, arguments JSON-encoded.
- Each ``ToolResultPart`` becomes its own ``role: "tool"`` message with its
  ``tool_call_id``, wherever it was put (a ``tool`` message, or a user message in the
  Anthropic style). OpenAI has no error flag: an error result's text is prefixed ``Error:``.
- Thinking parts are dropped: Chat Completions does not take reasoning back.
- Tools become function tools; ``tool_choice`` is ``auto``, ``none``, ``required`` or a
  tool's name (a named function).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from orchestify_core.plugin import (
    ContentPart,
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

__all__ = ["to_messages", "tool_choice_param", "tool_param"]

Message = dict[str, Any]
_CHOICE_KEYWORDS = frozenset({"auto", "none", "required"})


def to_messages(messages: Sequence[LLMMessage], *, developer_role: bool = False) -> list[Message]:
    """Translate a conversation; ``developer_role`` sends system messages as ``developer``."""
    result: list[Message] = []
    for index, message in enumerate(messages):
        role = message.role
        plain = message.content
        if isinstance(plain, str) and role in ("user", "assistant"):
            # Plain text, the common case: sent as it is, without building parts.
            if plain or role == "assistant":
                result.append({"role": role, "content": plain})
            continue
        if role == "system":
            text = message.text
            if text:
                result.append(
                    {"role": "developer" if developer_role else "system", "content": text}
                )
        elif role == "assistant":
            result.append(_assistant(message.parts, index))
        elif role == "tool":
            results = _tool_results(message.parts)
            if not results or any(isinstance(p, TextPart | ImagePart) for p in message.parts):
                raise RequestValidationError(
                    f"messages[{index}]: a tool message carries tool results "
                    "(LLMMessage.tool_result(tool_call_id, content)), not plain content"
                )
            result.extend(results)
        else:
            result.extend(_tool_results(message.parts))
            content = _user_content(message.parts, index)
            if content is not None:
                result.append({"role": "user", "content": content})
    return result


def _tool_results(parts: Sequence[ContentPart]) -> list[Message]:
    return [
        {
            "role": "tool",
            "tool_call_id": part.tool_call_id,
            "content": f"Error: {part.content}" if part.is_error else part.content,
        }
        for part in parts
        if isinstance(part, ToolResultPart)
    ]


def _user_content(parts: Sequence[ContentPart], index: int) -> str | list[Message] | None:
    blocks: list[Message] = []
    for part in parts:
        if isinstance(part, TextPart):
            blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            blocks.append({"type": "image_url", "image_url": {"url": part.data_url()}})
        elif isinstance(part, ToolCall):
            raise RequestValidationError(
                f"messages[{index}]: a tool call belongs in an assistant message"
            )
    if not blocks:
        return None
    if all(block["type"] == "text" for block in blocks):
        return "".join(block["text"] for block in blocks)
    return blocks


def _assistant(parts: Sequence[ContentPart], index: int) -> Message:
    texts: list[str] = []
    calls: list[Message] = []
    for part in parts:
        if isinstance(part, TextPart):
            texts.append(part.text)
        elif isinstance(part, ToolCall):
            calls.append(_tool_call(part))
        elif isinstance(part, ImagePart):
            raise RequestValidationError(
                f"messages[{index}]: OpenAI does not take images in assistant messages"
            )
        elif isinstance(part, ToolResultPart):
            raise RequestValidationError(
                f"messages[{index}]: a tool result belongs in a tool message, not an assistant one"
            )
        elif isinstance(part, ThinkingPart | RedactedThinkingPart):
            continue  # Chat Completions does not take reasoning back
    if not texts and not calls:
        return {"role": "assistant", "content": ""}
    message: Message = {"role": "assistant", "content": "".join(texts) if texts else None}
    if calls:
        message["tool_calls"] = calls
    return message


def _tool_call(call: ToolCall) -> Message:
    arguments = call.raw_arguments
    if arguments is None:
        arguments = json.dumps(dict(call.arguments), ensure_ascii=False)
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }


def tool_param(tool: ToolDefinition) -> Message:
    """A tool definition as a Chat Completions function tool."""
    function: Message = {"name": tool.name, "parameters": dict(tool.input_schema)}
    if tool.description:
        function["description"] = tool.description
    return {"type": "function", "function": function}


def tool_choice_param(choice: str, tools: Sequence[ToolDefinition]) -> str | Message:
    """``auto`` / ``none`` / ``required``, or a tool name as a named function choice."""
    if choice in _CHOICE_KEYWORDS:
        return choice
    names = [tool.name for tool in tools]
    if choice not in names:
        raise RequestValidationError(
            f"tool_choice {choice!r} is neither auto, none nor required, nor one of the "
            f"tools ({', '.join(names)})"
        )
    return {"type": "function", "function": {"name": choice}}
