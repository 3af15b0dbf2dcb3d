"""Counting a request's input tokens with ``litellm.token_counter``.

LiteLLM counts the messages and tools as this plugin sends them, with the tokenizer it picks
for the model: tiktoken for OpenAI models and most others, the tokenizer files it ships for
Claude (Claude 2's) and DeepSeek, a Hugging Face tokenizer it downloads for Llama and Cohere
models. It does not say which it used, so its count is reported as an estimate
(``exact=False``, method ``litellm``); images count LiteLLM's default image size.

A count never calls out when ``offline=True``: for a model whose tokenizer LiteLLM would
download, the count uses LiteLLM's tiktoken fallback instead. It always runs locally (LiteLLM
has no count endpoint), and it is synchronous work: the first count loads the tokenizer.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from orchestify_core.plugin import CompletionRequest, ProviderContext, TokenCount

from ._client import LiteLLMClient
from ._messages import to_messages, to_tools

__all__ = ["count_request", "count_tokens"]

#: LiteLLM's tokenizers that it downloads from the Hugging Face hub on first use.
_DOWNLOADED = frozenset({"cohere", "llama2", "llama3"})


def _downloads_tokenizer(litellm: Any, model: str) -> bool:
    kind_of = getattr(getattr(litellm, "utils", None), "huggingface_tokenizer_kind", None)
    if kind_of is None:  # an older LiteLLM: judge by the names it matches
        lowered = model.lower()
        return "llama" in lowered or "command-r" in lowered or "replicate" in lowered
    return kind_of(model) in _DOWNLOADED


def count_request(client: LiteLLMClient, request: CompletionRequest, offline: bool) -> TokenCount:
    """LiteLLM's count of ``request``'s input (see the module's docstring)."""
    route = client.route(request.model)
    litellm = client.litellm
    model = route.model
    if offline and _downloads_tokenizer(litellm, model):
        model = ""  # LiteLLM's default tokenizer: tiktoken, nothing to fetch
    tokens = litellm.token_counter(
        model=model,
        messages=to_messages(request.messages, claude=route.claude),
        tools=to_tools(request.tools) if request.tools else None,
        use_default_image_token_count=True,
    )
    return TokenCount(int(tokens), False, "litellm", request.model)


async def _count(client: LiteLLMClient, request: CompletionRequest, offline: bool) -> TokenCount:
    return count_request(client, request, offline)


def count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    """The awaitable of the count hook."""
    return _count(provider.client, request, offline)
