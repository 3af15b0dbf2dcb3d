"""Prompt-cache marks in LiteLLM's input format, for the backends that take them.

LiteLLM turns Anthropic-style ``cache_control`` in its OpenAI-format input into the
backend's own breakpoints for Claude models (Anthropic's API, Bedrock, Vertex AI): on a
``text`` or ``image_url`` content part, on a tool call, on a ``tool`` message (its tool
result) and on a function tool. So a mark goes:

- on a text or image part: the message's content becomes a list of parts, the marked part
  carrying ``cache_control`` (a system or user message of plain text otherwise stays a
  string);
- on a tool result: the ``tool`` message carries ``cache_control``;
- on a tool call: the call carries ``cache_control``;
- on a tool: the function tool carries ``cache_control``.

Other backends get no marks (OpenAI caches prefixes by itself; others would refuse the
field): only ``prompt_cache_key``, from ``options.prompt_cache_key`` or a call's ``extra``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestify_core.plugin import ContentPart, TextPart

__all__ = ["has_marked_text", "mark", "text_parts"]


def mark(entry: dict[str, Any], part: Any, *, claude: bool) -> dict[str, Any]:
    """``entry`` with the ``cache_control`` of ``part``'s mark, for a Claude backend."""
    cache = getattr(part, "cache", None)
    if claude and cache is not None:
        entry["cache_control"] = cache.to_anthropic()
    return entry


def has_marked_text(parts: Iterable[ContentPart], *, claude: bool) -> bool:
    """Whether a Claude backend must get these parts as a list, for a text part's mark."""
    return claude and any(isinstance(p, TextPart) and p.cache is not None for p in parts)


def text_parts(parts: Iterable[ContentPart], *, claude: bool) -> list[dict[str, Any]]:
    """The non-empty text parts as ``text`` content parts, marks included."""
    return [
        mark({"type": "text", "text": part.text}, part, claude=claude)
        for part in parts
        if isinstance(part, TextPart) and part.text
    ]
