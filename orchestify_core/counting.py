"""Token counts: the record a count returns, and the core's estimates of a request's size.

A plugin counts a request's input tokens through ``orchestify_count_tokens`` and answers
with a :class:`TokenCount`; a plugin that cannot count leaves the answer to the core, whose
estimate is about four characters a token (:func:`estimate_request_tokens`).

:func:`input_upper_bound` is what keeps the pre-flight check cheap: every tokenizer the
first-party plugins meet is a byte-level BPE, which never makes more tokens than the text
has UTF-8 bytes, so the bytes of a request plus generous per-message, per-tool and
per-image allowances bound its input from above. When that bound and ``max_tokens`` fit
the model's context window, nothing needs counting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import attrs

from .models import (
    CompletionRequest,
    ImagePart,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)
from .requests import CHARS_PER_TOKEN

__all__ = [
    "IMAGE_TOKENS",
    "IMAGE_TOKENS_BOUND",
    "TokenCount",
    "count_images",
    "estimate_request_tokens",
    "input_upper_bound",
    "request_texts",
    "tool_json",
]

#: What an image is estimated at: about what Anthropic bills for an image at the largest
#: size it keeps (1092 x 1092 px, (w * h) / 750), more than OpenAI's high-detail 765.
IMAGE_TOKENS = 1_600
#: The most an image is assumed to cost, for the upper bound (no provider documents more).
IMAGE_TOKENS_BOUND = 6_000
#: Allowances of the upper bound: per message (role markers), per request (the reply's
#: priming, a system prompt's framing) and once when tools are given (the tool-use system
#: prompt Anthropic adds is about 350 tokens).
_MESSAGE_BOUND = 16
_REQUEST_BOUND = 64
_TOOLS_BOUND = 1_024
_TOOL_BOUND = 64


@attrs.frozen
class TokenCount:
    """How many input tokens a request makes.

    Attributes:
        input_tokens: The count (every input token: messages, system prompt, tools).
        exact: True when the provider said so (its count endpoint) or its own tokenizer
            counted; False for an estimate.
        method: How it was counted: ``endpoint``, ``tiktoken``, ``litellm``, ``estimate``.
        model: The model counted for.
    """

    input_tokens: int
    exact: bool
    method: str
    model: str


def tool_json(tool: ToolDefinition) -> str:
    """A tool definition as the JSON a provider reads (name, description, schema)."""
    return json.dumps(
        {"name": tool.name, "description": tool.description, "input_schema": tool.input_schema},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )


def _part_text(part: object) -> str:
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, ToolResultPart):
        return part.content
    if isinstance(part, ToolCall):
        arguments = part.raw_arguments
        if arguments is None:
            arguments = json.dumps(part.arguments, ensure_ascii=False, default=str)
        return f"{part.name} {arguments}"
    if isinstance(part, ThinkingPart):
        return part.thinking
    if isinstance(part, RedactedThinkingPart):
        return part.data
    return ""  # an image: counted apart


def request_texts(request: CompletionRequest) -> Iterator[str]:
    """Every piece of text a request sends: message contents, tool calls and results,
    thinking, and each tool definition as JSON (images are not text)."""
    for message in request.messages:
        content = message.content
        if isinstance(content, str):
            yield content
        else:
            for part in content:
                yield _part_text(part)
    for tool in request.tools:
        yield tool_json(tool)


def count_images(request: CompletionRequest) -> int:
    """How many images the request's messages carry."""
    return sum(
        1
        for message in request.messages
        if not isinstance(message.content, str)
        for part in message.content
        if isinstance(part, ImagePart)
    )


def estimate_request_tokens(request: CompletionRequest) -> int:
    """The core's estimate of a request's input: a token per four characters of every text
    it sends (tools included), plus :data:`IMAGE_TOKENS` per image; at least 1."""
    chars = sum(len(text) for text in request_texts(request))
    return max(chars // CHARS_PER_TOKEN + IMAGE_TOKENS * count_images(request), 1)


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def input_upper_bound(request: CompletionRequest) -> int:
    """More input tokens than any byte-level BPE tokenizer makes of ``request``.

    The UTF-8 bytes of every text, plus allowances per message, per request, per tool and
    per image. Cheap: ``str.isascii`` is O(1) in CPython, so ASCII text costs a length.
    """
    total = _REQUEST_BOUND + _MESSAGE_BOUND * len(request.messages)
    images = 0
    for message in request.messages:
        content = message.content
        if isinstance(content, str):
            total += _utf8_length(content)
            continue
        for part in content:
            if isinstance(part, ImagePart):
                images += 1
            else:
                total += _utf8_length(_part_text(part)) + _MESSAGE_BOUND
    if request.tools:
        total += _TOOLS_BOUND + sum(
            _utf8_length(tool_json(tool)) + _TOOL_BOUND for tool in request.tools
        )
    return total + IMAGE_TOKENS_BOUND * images
