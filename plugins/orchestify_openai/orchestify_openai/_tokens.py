"""Counting a request's input tokens offline with tiktoken, as OpenAI's chat format adds them.

Chat Completions has no count endpoint, so the count is local whether or not the caller
allows calling out. It follows OpenAI's own guide to counting (the cookbook's
``num_tokens_from_messages`` and ``num_tokens_for_tools``):

- the messages as this plugin sends them (:func:`to_messages`); each costs 3 tokens of
  framing plus its role, content, tool calls (name and arguments) and tool-call id, a
  ``name`` one more; every reply is primed with 3;
- each tool: 7 tokens to open it (10 for the cl100k_base models), ``name:description``
  (a final period dropped), and when it has properties 3 plus, per property, 3 and
  ``key:type:description``, with -3 for an enum and 3 plus the value per enum value; 12
  to close the tool list;
- an image: :data:`IMAGE_TOKENS`, the high-detail cost of a 1024 x 1024 image (its size is
  not read), which makes the count an estimate.

The count is ``exact`` when tiktoken knows the model and the request has no image.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from orchestify_core.plugin import CompletionRequest, ProviderContext, TokenCount, ToolDefinition

from ._encodings import encoding, encoding_name_for
from ._messages import to_messages
from ._models import profile

if TYPE_CHECKING:
    import tiktoken

__all__ = ["IMAGE_TOKENS", "count_request", "count_tokens"]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
#: A high-detail 1024 x 1024 image: 85 + 170 per 512-px tile (4 tiles).
IMAGE_TOKENS = 765


@attrs.frozen
class _ToolOverheads:
    function_start: int
    properties_start: int = 3
    property_key: int = 3
    enum_start: int = -3
    enum_item: int = 3
    tools_end: int = 12


_TOOL_OVERHEADS = {"o200k_base": _ToolOverheads(7), "cl100k_base": _ToolOverheads(10)}


def _content_tokens(enc: tiktoken.Encoding, content: Any) -> tuple[int, int]:
    """(tokens, images) of a message's ``content``: a string or a list of parts."""
    if isinstance(content, str):
        return len(enc.encode_ordinary(content)), 0
    if not isinstance(content, list):
        return 0, 0
    tokens = images = 0
    for block in content:
        if block.get("type") == "image_url":
            images += 1
        elif isinstance(block.get("text"), str):
            tokens += len(enc.encode_ordinary(block["text"]))
    return tokens, images


def _message_tokens(enc: tiktoken.Encoding, message: Mapping[str, Any]) -> tuple[int, int]:
    tokens, images = TOKENS_PER_MESSAGE, 0
    for key, value in message.items():
        if key == "content":
            counted, images = _content_tokens(enc, value)
            tokens += counted
        elif key == "tool_calls":
            for call in value:
                function = call["function"]
                tokens += len(enc.encode_ordinary(function["name"]))
                tokens += len(enc.encode_ordinary(function["arguments"]))
        elif isinstance(value, str):
            tokens += len(enc.encode_ordinary(value))
            if key == "name":
                tokens += TOKENS_PER_NAME
    return tokens, images


def _trimmed(text: object) -> str:
    text = "" if text is None else str(text)
    return text[:-1] if text.endswith(".") else text


def _tool_tokens(enc: tiktoken.Encoding, tool: ToolDefinition, costs: _ToolOverheads) -> int:
    tokens = costs.function_start
    tokens += len(enc.encode_ordinary(f"{tool.name}:{_trimmed(tool.description)}"))
    properties = tool.input_schema.get("properties") or {}
    if isinstance(properties, Mapping) and properties:
        tokens += costs.properties_start
        for key, spec in properties.items():
            spec = spec if isinstance(spec, Mapping) else {}
            tokens += costs.property_key
            enum = spec.get("enum")
            if isinstance(enum, list):
                tokens += costs.enum_start
                for item in enum:
                    tokens += costs.enum_item + len(enc.encode_ordinary(str(item)))
            line = f"{key}:{spec.get('type', '')}:{_trimmed(spec.get('description'))}"
            tokens += len(enc.encode_ordinary(line))
    return tokens


def count_request(request: CompletionRequest) -> TokenCount:
    """The tiktoken count of ``request``'s input (see the module's docstring)."""
    name, known = encoding_name_for(request.model)
    enc = encoding(name)
    developer = profile(request.model).reasoning
    tokens, images = REPLY_PRIMING, 0
    for message in to_messages(request.messages, developer_role=developer):
        counted, pictured = _message_tokens(enc, message)
        tokens += counted
        images += pictured
    if request.tools:
        costs = _TOOL_OVERHEADS[name]
        tokens += sum(_tool_tokens(enc, tool, costs) for tool in request.tools)
        tokens += costs.tools_end
    tokens += IMAGE_TOKENS * images
    return TokenCount(tokens, known and not images, "tiktoken", request.model)


async def _count(request: CompletionRequest) -> TokenCount:
    return count_request(request)


def count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    """The awaitable of the count hook: local either way (there is no count endpoint)."""
    return _count(request)
