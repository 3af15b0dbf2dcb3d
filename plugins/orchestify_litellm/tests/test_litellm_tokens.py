"""Counting tokens on the litellm type: litellm.token_counter on the messages as sent, never
a download offline; and the pre-flight refusal of a request one token over the window."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm_support import OPENAI_MODEL, WEATHER, Build, user

from orchestify_core import ContextWindowExceededError, LLMMessage, TokenCount

BackendFor = Callable[[str], contextlib.AbstractAsyncContextManager[tuple[Any, str]]]
OPENAI_TOOL = {
    "type": "function",
    "function": {
        "name": WEATHER["name"],
        "description": WEATHER["description"],
        "parameters": WEATHER["input_schema"],
    },
}


async def test_the_count_is_litellms_of_the_messages_as_sent(
    build: Build, backend_for: BackendFor
) -> None:
    async with backend_for("openai") as (server, model):
        provider = build(model, server.base_url)
        messages = [
            LLMMessage(role="system", content="You are terse."),
            LLMMessage(role="user", content="Quel temps fait-il à Paris ?"),
        ]
        counted = await provider.count_tokens(messages, tools=[WEATHER])
        expected = litellm.token_counter(
            model=OPENAI_MODEL,
            messages=[
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Quel temps fait-il à Paris ?"},
            ],
            tools=[OPENAI_TOOL],
        )
        assert counted == TokenCount(expected, False, "litellm", OPENAI_MODEL)
        assert await provider.count_tokens(messages, tools=[WEATHER], offline=True) == counted
        assert server.requests == []
        await provider.aclose()


async def test_offline_never_fetches_a_tokenizer(build: Build, backend_for: BackendFor) -> None:
    """A Llama model's tokenizer would be downloaded; offline, LiteLLM's tiktoken
    fallback counts instead."""
    async with backend_for("openai") as (server, _):
        provider = build("openai/llama-3-8b-instruct", server.base_url)
        counted = await provider.count_tokens(user("Hello there, llama"), offline=True)
        fallback = litellm.token_counter(
            model="", messages=[{"role": "user", "content": "Hello there, llama"}]
        )
        assert counted.input_tokens == fallback
        assert not counted.exact
        await provider.aclose()


async def test_one_token_over_the_window_is_refused_with_nothing_sent(
    build: Build, backend_for: BackendFor
) -> None:
    async with backend_for("openai") as (server, model):
        provider = build(model, server.base_url)
        window = provider.capabilities().context_window
        assert window == 128_000
        messages = user(" hello" * 120_000)
        counted = (await provider.count_tokens(messages, offline=True)).input_tokens
        with pytest.raises(ContextWindowExceededError) as caught:
            await provider.complete(messages, max_tokens=window - counted + 1)
        assert caught.value.input_tokens == counted
        assert "(estimated, litellm)" in str(caught.value)
        assert server.requests == []
        response = await provider.complete(messages, max_tokens=window - counted)
        assert response.content.startswith("echo: ")
        assert len(server.requests) == 1
        await provider.aclose()
