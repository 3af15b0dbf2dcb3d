"""The loopback Anthropic server's ``POST /v1/messages/count_tokens``: a documented,
deterministic tokenisation standing in for Claude's.

Claude's tokenizer is not published, so the loopback server cannot count as the API does.
It counts by a rule simple enough to check by hand and shaped like a byte-pair tokenizer
(short words are one token, punctuation and CJK characters one each), so that tests can
assert exact figures and an offline estimate can be measured against something.

Text is cut into pieces by :data:`PIECE`:

- a run of ASCII letters: one token per 6 letters begun (``tokenisation`` is 2);
- a run of digits: one token per 3 digits begun (``2026`` is 2);
- whitespace: a single space is free (a BPE vocabulary glues it to the next word); any
  other run of whitespace (a newline, indentation) is one token;
- any other character (punctuation, a non-ASCII letter, a CJK character, an emoji): one.

A request counts the tokens of its system prompt and of each content block's text
(``text``; ``tool_use``: its name and JSON input; ``tool_result``: its content;
``thinking``; any other block: its string values), plus :data:`PER_MESSAGE` per message,
:data:`PER_IMAGE` per image, and with tools :data:`TOOLS_PREAMBLE` once plus each tool's
compact JSON (keys sorted) counted as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["PER_IMAGE", "PER_MESSAGE", "PIECE", "TOOLS_PREAMBLE", "count_body", "count_text"]

#: The pieces text is cut into: ASCII letters, digits, whitespace, or one other character.
PIECE = re.compile(r"[A-Za-z]+|[0-9]+|\s+|.", re.DOTALL)
#: Tokens of a message's framing (role markers).
PER_MESSAGE = 3
#: Tokens of an image, whatever its size.
PER_IMAGE = 1_600
#: Tokens of the tool-use instructions added once when a request has tools.
TOOLS_PREAMBLE = 300


def count_text(text: str) -> int:
    """The tokens of ``text`` under the rule above."""
    tokens = 0
    for match in PIECE.finditer(text):
        piece = match.group()
        first = piece[0]
        if first.isascii() and first.isalpha():
            tokens += -(-len(piece) // 6)
        elif first.isascii() and first.isdigit():
            tokens += -(-len(piece) // 3)
        elif first.isspace():
            tokens += 0 if piece == " " else 1
        else:
            tokens += 1
    return tokens


def _strings(value: object) -> int:
    """The tokens of every string inside a JSON value."""
    if isinstance(value, str):
        return count_text(value)
    if isinstance(value, Mapping):
        return sum(_strings(item) for item in value.values())
    if isinstance(value, list):
        return sum(_strings(item) for item in value)
    return 0


def _block(block: object) -> int:
    if not isinstance(block, Mapping):
        return _strings(block)
    kind = block.get("type")
    if kind == "text":
        return _strings(block.get("text"))
    if kind == "image":
        return PER_IMAGE
    if kind == "tool_use":
        arguments = json.dumps(block.get("input", {}), separators=(",", ":"), sort_keys=True)
        return _strings(block.get("name")) + count_text(arguments)
    if kind == "tool_result":
        return _content(block.get("content"))
    if kind == "thinking":
        return _strings(block.get("thinking"))
    return sum(_strings(value) for key, value in block.items() if key != "type")


def _content(content: object) -> int:
    if isinstance(content, list):
        return sum(_block(block) for block in content)
    return _strings(content)


def count_body(body: Mapping[str, Any]) -> int:
    """The input tokens of a Messages request body (``system``, ``messages``, ``tools``)."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    tokens = _content(body.get("system"))
    for message in messages:
        tokens += PER_MESSAGE
        if isinstance(message, Mapping):
            tokens += _content(message.get("content"))
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        tokens += TOOLS_PREAMBLE
        for tool in tools:
            tokens += count_text(json.dumps(tool, separators=(",", ":"), sort_keys=True))
    return tokens
