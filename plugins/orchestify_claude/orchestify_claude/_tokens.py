"""Counting a request's input tokens: Anthropic's count endpoint, or an offline estimate.

Online, ``POST /v1/messages/count_tokens`` (``client.messages.count_tokens``) counts the
request exactly as the Messages API would bill it: the same messages, system prompt, tools,
tool choice and thinking settings ``complete()`` sends. The endpoint is free, but it is a
request (and rate limited apart from messages).

Offline, nothing is sent and the count is an estimate: Claude's tokenizer is not published
(the tokenizer file older SDKs shipped is Claude 2's, which Anthropic says does not match
later models), so the estimate is built from what any byte-pair tokenizer does. ASCII text
makes about a token per four characters, an ASCII punctuation mark about three quarters of
one (code and JSON are dense with them); a non-ASCII character (an accented letter,
Cyrillic, CJK, an emoji) about one token; each message adds its role markers, each image
what Anthropic bills for an image at the largest size it keeps, and tools the tool-use
instructions Anthropic adds to the system prompt (about 300 tokens) plus their JSON. The
weights were chosen against tiktoken's ``o200k_base`` (a real byte-pair tokenizer) on the
text of ``bench/_token_corpus.py``; docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import string
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    IMAGE_TOKENS,
    CompletionRequest,
    ProviderContext,
    TokenCount,
    count_images,
    request_texts,
)

from ._errors import raise_translated
from ._options import ClaudeOptions
from ._request import build_params

if TYPE_CHECKING:
    import anthropic

__all__ = ["count_tokens", "estimate_tokens"]

#: The parameters of ``messages.create`` that ``count_tokens`` takes too.
_COUNTED = ("model", "messages", "system", "tools", "tool_choice", "thinking", "timeout",
            "extra_headers", "extra_query")  # fmt: skip
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)
#: Role markers of one message.
PER_MESSAGE = 3
#: The tool-use instructions Anthropic adds to the system prompt when tools are given.
TOOLS_PREAMBLE = 300


def _text_estimate(text: str) -> int:
    """ceil((ASCII characters + 2 x ASCII punctuation) / 4) + non-ASCII characters: a
    punctuation mark weighs three quarters of a token, another ASCII character a quarter."""
    ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))
    punctuation = len(text) - len(text.translate(_NO_PUNCTUATION))
    return -(-(ascii_chars + 2 * punctuation) // 4) + (len(text) - ascii_chars)


def estimate_tokens(request: CompletionRequest) -> int:
    """The offline estimate of ``request``'s input tokens (see the module's docstring)."""
    tokens = sum(_text_estimate(text) for text in request_texts(request))
    tokens += PER_MESSAGE * len(request.messages) + IMAGE_TOKENS * count_images(request)
    if request.tools:
        tokens += TOOLS_PREAMBLE
    return max(tokens, 1)


def count_params(request: CompletionRequest, options: ClaudeOptions) -> dict[str, Any]:
    """The keyword arguments of ``messages.count_tokens``: those of ``messages.create``
    that describe the input (no ``max_tokens``, sampling or stop sequences)."""
    params = build_params(request, options)
    return {key: params[key] for key in _COUNTED if key in params}


async def _endpoint(client: anthropic.AsyncAnthropic, request: CompletionRequest,
                    options: ClaudeOptions) -> TokenCount:  # fmt: skip
    params = count_params(request, options)
    try:
        counted = await client.messages.count_tokens(**params)
    except Exception as exc:
        raise_translated(exc)
    return TokenCount(counted.input_tokens, True, "endpoint", request.model)


async def _offline(request: CompletionRequest) -> TokenCount:
    return TokenCount(estimate_tokens(request), False, "estimate", request.model)


def count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    """The awaitable of the count hook: the endpoint, or offline the estimate."""
    if offline:
        return _offline(request)
    return _endpoint(provider.client, request, provider.options)
