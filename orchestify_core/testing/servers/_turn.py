"""Resolve a scripted :class:`Reply` against the request it answers.

A reply leaves much to the server (the text, token counts, the model); a :class:`Turn` is
the same reply with all of that filled in from the request, and with the streamed pieces
already cut, so the provider renderers only translate it into their wire format.

Token counts are estimates (about four characters a token): plausible numbers that grow
with the request, not a tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ._script import Reply, ThinkingSpec, ToolCallSpec

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "INVALID_UTF8_MARK",
    "RAW_INPUT_MARK",
    "Turn",
    "default_text",
    "estimate_input_tokens",
    "last_user_text",
    "resolve",
    "split_text",
    "usage_counts",
]

DEFAULT_CHUNK_SIZE = 16
"""Characters per streamed text piece when a reply sets neither chunk_count nor chunk_size."""

INVALID_UTF8_MARK = "\x00"
"""Put in the text of an ``invalid_utf8`` reply; JSON-encoded it is the unique ``\\u0000``,
which the server swaps for a ``\\xff`` byte once the answer is rendered."""

RAW_INPUT_MARK = "__loopback_raw_arguments_{}__"
"""Stands for tool call N's ``raw_arguments`` in a rendered JSON object, until spliced in."""

_CHARS_PER_TOKEN = 4
_TOKENS_PER_MESSAGE = 4


@attrs.frozen
class Turn:
    """A reply with every default filled in from its request."""

    id: str | None
    model: str
    text: str
    text_chunks: tuple[str, ...]
    thinking: ThinkingSpec | None
    thinking_chunks: tuple[str, ...]
    redacted_thinking: str | None
    tool_calls: tuple[ToolCallSpec, ...]
    argument_json: tuple[str, ...]
    argument_chunks: tuple[tuple[str, ...], ...]
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    stop_reason: str | None
    stop_sequence: str | None
    usage_fault: str | None = None
    same_tool_index: bool = False
    invalid_utf8: bool = False
    cache_write_1h_tokens: int = 0

    @property
    def raw_arguments(self) -> tuple[str | None, ...]:
        """Each tool call's verbatim argument text, or None where it is plain JSON."""
        return tuple(call.raw_arguments for call in self.tool_calls)


def usage_counts(
    fault: str | None, counts: dict[str, Any], main: tuple[str, ...]
) -> dict[str, Any] | None:
    """A usage object as a ``usage_fault`` spoils it; None when it is to be left out.

    ``main`` names the counts that ``"negative"`` and ``"huge"`` change (input and output).
    """
    if fault is None:
        return counts
    if fault == "missing":
        return None
    if fault == "strings":
        return {key: str(value) if type(value) is int else value for key, value in counts.items()}
    if fault == "negative":
        return {key: -value if key in main else value for key, value in counts.items()}
    if fault == "huge":
        return {key: 1e18 if key in main else value for key, value in counts.items()}
    raise ValueError(f"unknown usage fault {fault!r}")


def split_text(text: str, *, count: int | None = None, size: int | None = None) -> tuple[str, ...]:
    """Cut ``text`` into ``count`` near-equal pieces (never empty ones) or ``size``-long ones."""
    if not text:
        return ()
    if count is not None:
        count = min(count, len(text))
        base, extra = divmod(len(text), count)
        pieces: list[str] = []
        start = 0
        for index in range(count):
            end = start + base + (1 if index < extra else 0)
            pieces.append(text[start:end])
            start = end
        return tuple(pieces)
    step = size or DEFAULT_CHUNK_SIZE
    return tuple(text[start : start + step] for start in range(0, len(text), step))


def _string_chars(value: object) -> int:
    """Total length of every string inside a JSON value (keys excluded)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_string_chars(item) for item in value.values())
    if isinstance(value, list):
        return sum(_string_chars(item) for item in value)
    return 0


def _tokens(chars: int) -> int:
    return max(1, -(-chars // _CHARS_PER_TOKEN))


def estimate_input_tokens(body: Mapping[str, Any]) -> int:
    """A plausible prompt size: the characters of the messages, system prompt and tools."""
    messages = body.get("messages")
    message_count = len(messages) if isinstance(messages, list) else 0
    chars = sum(_string_chars(body.get(key)) for key in ("messages", "system", "tools"))
    return _tokens(chars) + _TOKENS_PER_MESSAGE * message_count


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            block["text"]
            for block in content
            if isinstance(block, Mapping)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ]
        return " ".join(texts)
    return ""


def last_user_text(body: Mapping[str, Any]) -> str:
    """The text of the last user message, in either provider's message format."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def default_text(body: Mapping[str, Any], min_length: int = 0) -> str:
    """The answer of an unscripted request: an echo of the last user text."""
    last = last_user_text(body)
    text = f"echo: {last}" if last else "echo"
    while len(text) < min_length:
        text = f"{text} {text}"
    return text


def resolve(reply: Reply, body: Mapping[str, Any]) -> Turn:
    """Fill in what ``reply`` leaves to the server, using the request ``body``."""
    if reply.text is not None:
        text = reply.text
    elif reply.tool_calls:
        text = ""
    else:
        text = default_text(body, reply.chunk_count or 0)
    if reply.invalid_utf8 and text:
        text = text[:1] + INVALID_UTF8_MARK + text[1:]

    argument_json = tuple(
        call.raw_arguments
        if call.raw_arguments is not None
        else json.dumps(call.arguments, separators=(",", ":"))
        for call in reply.tool_calls
    )
    thinking_text = reply.thinking.text if reply.thinking is not None else ""
    if reply.output_tokens is not None:
        output_tokens = reply.output_tokens
    else:
        visible = len(text) + len(thinking_text) + sum(len(args) for args in argument_json)
        output_tokens = _tokens(visible) + reply.reasoning_tokens

    model = reply.model
    if model is None:
        requested = body.get("model")
        model = requested if isinstance(requested, str) and requested else "loopback-model"

    return Turn(
        id=reply.id,
        model=model,
        text=text,
        text_chunks=split_text(text, count=reply.chunk_count, size=reply.chunk_size),
        thinking=reply.thinking,
        thinking_chunks=split_text(thinking_text, count=reply.chunk_count, size=reply.chunk_size),
        redacted_thinking=reply.redacted_thinking,
        tool_calls=reply.tool_calls,
        argument_json=argument_json,
        argument_chunks=tuple(
            split_text(args, count=reply.json_chunk_count) for args in argument_json
        ),
        input_tokens=(
            reply.input_tokens if reply.input_tokens is not None else estimate_input_tokens(body)
        ),
        output_tokens=output_tokens,
        cache_read_tokens=reply.cache_read_tokens,
        cache_write_tokens=reply.cache_write_tokens,
        reasoning_tokens=reply.reasoning_tokens,
        stop_reason=reply.stop_reason,
        stop_sequence=reply.stop_sequence,
        usage_fault=reply.usage_fault,
        same_tool_index=reply.same_tool_index,
        invalid_utf8=reply.invalid_utf8,
        cache_write_1h_tokens=reply.cache_write_1h_tokens,
    )
