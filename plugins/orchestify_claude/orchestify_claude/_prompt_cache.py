"""Prompt caching on the Messages API: marks as ``cache_control``, and 1-hour writes read back.

A mark (``cache=`` on a text, image, tool-result or tool-call part, or on a tool) becomes
the block's ``cache_control`` in Anthropic's own shape, ``{"type": "ephemeral"}`` or
``{"type": "ephemeral", "ttl": "1h"}``. A system prompt with a marked block is sent as a
list of text blocks (one per text part of each system message) instead of one string; a
system prompt without marks is sent as the string it always was.

Usage: Anthropic reports ``cache_creation.ephemeral_1h_input_tokens``, the part of the
cache writes made for an hour, which costs more; it becomes
``Usage.cache_write_1h_tokens``.
"""

from __future__ import annotations

from typing import Any

from orchestify_core.plugin import CacheMark, CompletionRequest, TextPart

__all__ = ["hour_writes", "marked", "system_param"]

Block = dict[str, Any]


def marked(block: Block, mark: CacheMark | None) -> Block:
    """``block`` with its ``cache_control`` when ``mark`` is set."""
    if mark is not None:
        block["cache_control"] = mark.to_anthropic()
    return block


def system_param(request: CompletionRequest) -> str | list[Block] | None:
    """The ``system`` parameter: the joined text, or text blocks when one is marked."""
    systems = [message for message in request.messages if message.role == "system"]
    if not systems:
        return None
    parts = [
        part
        for message in systems
        if not isinstance(message.content, str)
        for part in message.content
        if isinstance(part, TextPart)
    ]
    if not any(part.cache is not None for part in parts):
        return request.system
    blocks: list[Block] = []
    for message in systems:
        if isinstance(message.content, str):
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            continue
        for part in message.content:
            if isinstance(part, TextPart) and part.text:
                blocks.append(marked({"type": "text", "text": part.text}, part.cache))
    return blocks


def hour_writes(usage: Any, previous: int) -> int:
    """The 1-hour cache writes of a usage report (a decoded dict or the SDK's object);
    ``previous`` when it says nothing of them (a stream's ``message_delta``)."""
    if isinstance(usage, dict):
        creation = usage.get("cache_creation")
        value = creation.get("ephemeral_1h_input_tokens") if isinstance(creation, dict) else None
    else:
        creation = getattr(usage, "cache_creation", None)
        value = getattr(creation, "ephemeral_1h_input_tokens", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else previous
