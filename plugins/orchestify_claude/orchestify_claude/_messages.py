"""orchestify messages and tools -> the Messages API's turns, content blocks and tools.

The Messages API takes the system prompt apart from the messages, wants user and assistant
turns to alternate, and carries tool results in user turns. So system messages become the
``system`` parameter, ``tool`` messages become user turns, consecutive turns of one role are
merged, and in a user turn the tool results come first (the API refuses text before them).
Thinking blocks go back exactly as received (with their signatures) so that a conversation
with extended thinking and tools can continue; a thinking part without a signature (from
another provider, say) cannot be verified by the API and is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orchestify_core.plugin import (
    CacheMark,
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

__all__ = ["Block", "content_block", "convert_messages", "tool_choice_param", "tool_param"]

Block = dict[str, Any]


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


def _plain_block(part: ContentPart) -> Block | None:
    """One content part as an Anthropic content block, without its mark."""
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


def content_block(part: ContentPart) -> Block | None:
    """One content part as an Anthropic content block (None: nothing to send), with its
    prompt-cache mark as ``cache_control``."""
    block = _plain_block(part)
    mark: CacheMark | None = getattr(part, "cache", None)
    if block is not None and mark is not None:
        block["cache_control"] = mark.to_anthropic()
    return block


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
    if tool.cache is not None:
        param["cache_control"] = tool.cache.to_anthropic()
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
