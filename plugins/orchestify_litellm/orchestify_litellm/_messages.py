"""orchestify messages and tools -> the OpenAI chat format LiteLLM takes as input.

- ``system`` -> ``{"role": "system", "content": text}``.
- ``user`` -> text, or a list of ``text`` and ``image_url`` parts (an inline image as a
  ``data:`` URL, a remote one by its URL).
- ``assistant`` -> its text, its ``tool_calls`` (OpenAI function calls with JSON
  arguments), and, for Claude backends, its ``thinking_blocks``: LiteLLM's field for
  Anthropic thinking (``{"type": "thinking", "thinking", "signature"}`` and
  ``{"type": "redacted_thinking", "data"}``) that it sends back as thinking content blocks,
  in order, before the text. Other backends take no thinking back; it is left out.
- tool results (a ``tool`` message, or results inside any message) -> one
  ``{"role": "tool", "tool_call_id", "content"}`` message each. The OpenAI format has no
  error flag, so a failed tool's result is sent as ``"Error: ..."``.
- prompt-cache marks, for Claude backends only: see :mod:`._prompt_cache`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from orchestify_core.plugin import (
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

from ._prompt_cache import has_marked_text, mark, text_parts

__all__ = ["to_messages", "to_tool_choice", "to_tools"]

_BUILTIN_CHOICES = frozenset({"auto", "none", "required"})


def to_messages(messages: Sequence[LLMMessage], *, claude: bool) -> list[dict[str, Any]]:
    """The conversation in LiteLLM's input format."""
    out: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        out.extend(_tool_results(message, claude=claude))
        if message.role == "system":
            text: str | list[dict[str, Any]] = _text_only(message, index)
            if has_marked_text(message.parts, claude=claude):
                text = text_parts(message.parts, claude=claude)
            out.append({"role": "system", "content": text})
        elif message.role == "user":
            content = _user_content(message, claude=claude)
            if content:
                out.append({"role": "user", "content": content})
        elif message.role == "assistant":
            out.append(_assistant(message, index, claude=claude))
        elif message.role != "tool":
            raise RequestValidationError(f"messages[{index}]: unknown role {message.role!r}")
    return out


def _tool_results(message: LLMMessage, *, claude: bool) -> list[dict[str, Any]]:
    return [
        mark(
            {
                "role": "tool",
                "tool_call_id": part.tool_call_id,
                "content": f"Error: {part.content}" if part.is_error else part.content,
            },
            part,
            claude=claude,
        )
        for part in message.parts
        if isinstance(part, ToolResultPart)
    ]


def _text_only(message: LLMMessage, index: int) -> str:
    for part in message.parts:
        if not isinstance(part, TextPart):
            raise RequestValidationError(
                f"messages[{index}]: a {message.role} message takes text only, "
                f"not {type(part).__name__}"
            )
    return message.text


def _user_content(message: LLMMessage, *, claude: bool) -> str | list[dict[str, Any]]:
    parts = [p for p in message.parts if isinstance(p, TextPart | ImagePart)]
    if all(isinstance(p, TextPart) for p in parts) and not has_marked_text(parts, claude=claude):
        return "".join(p.text for p in parts if isinstance(p, TextPart))
    content: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, TextPart):
            content.append(mark({"type": "text", "text": part.text}, part, claude=claude))
        else:
            image = {"type": "image_url", "image_url": {"url": part.data_url()}}
            content.append(mark(image, part, claude=claude))
    return content


def _arguments(call: ToolCall) -> str:
    if call.raw_arguments is not None:
        return call.raw_arguments
    return json.dumps(dict(call.arguments), separators=(",", ":"))


def _assistant(message: LLMMessage, index: int, *, claude: bool) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    thinking: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            texts.append(part.text)
        elif isinstance(part, ToolCall):
            call = {
                "id": part.id,
                "type": "function",
                "function": {"name": part.name, "arguments": _arguments(part)},
            }
            calls.append(mark(call, part, claude=claude))
        elif isinstance(part, ThinkingPart):
            block: dict[str, Any] = {"type": "thinking", "thinking": part.thinking}
            if part.signature:
                block["signature"] = part.signature
            thinking.append(block)
        elif isinstance(part, RedactedThinkingPart):
            thinking.append({"type": "redacted_thinking", "data": part.data})
        elif isinstance(part, ImagePart):
            raise RequestValidationError(
                f"messages[{index}]: images are accepted in user messages only"
            )
    out: dict[str, Any] = {"role": "assistant", "content": "".join(texts) or None}
    if has_marked_text(message.parts, claude=claude):
        out["content"] = text_parts(message.parts, claude=claude)
    if calls:
        out["tool_calls"] = calls
    if claude and thinking:
        out["thinking_blocks"] = thinking
    return out


def to_tools(tools: Sequence[ToolDefinition], *, claude: bool = False) -> list[dict[str, Any]]:
    """Tool definitions as OpenAI function tools (with their marks for a Claude backend)."""
    out: list[dict[str, Any]] = []
    for tool in tools:
        function: dict[str, Any] = {"name": tool.name, "parameters": dict(tool.input_schema)}
        if tool.description:
            function["description"] = tool.description
        out.append(mark({"type": "function", "function": function}, tool, claude=claude))
    return out


def to_tool_choice(choice: str | None) -> str | dict[str, Any] | None:
    """``auto`` / ``none`` / ``required`` as they are; a tool's name forces that tool."""
    if choice is None or choice in _BUILTIN_CHOICES:
        return choice
    return {"type": "function", "function": {"name": choice}}
