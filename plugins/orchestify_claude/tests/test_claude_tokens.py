"""Counting tokens on the anthropic type: the count endpoint over a real socket, the offline
estimate, and the pre-flight refusal of a request that cannot fit the context window."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from orchestify_core import (
    APIError,
    AuthenticationError,
    ContextWindowExceededError,
    LLMMessage,
    LLMProvider,
    RateLimitError,
    TokenCount,
    ToolDefinition,
)
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import AnthropicServer
from orchestify_core.testing.servers._count_tokens import count_body

MODEL = "claude-haiku-4-5"  # the conftest's provider's default model
MakeProvider = Callable[..., LLMProvider]

WEATHER = ToolDefinition(
    name="get_weather",
    description="The weather in a city.",
    input_schema={"type": "object", "properties": {"city": {"type": "string"}}},
)


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


async def test_count_goes_to_the_endpoint_and_is_exact(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """'Hello there' is 'Hello' (1) + a free space + 'there' (1) + 3 for the message."""
    provider = make_provider()
    counted = await provider.count_tokens(user("Hello there"))
    assert counted == TokenCount(input_tokens=5, exact=True, method="endpoint", model=MODEL)
    [request] = anthropic_server.requests
    assert request.path == "/v1/messages/count_tokens"
    blocks = [{"type": "text", "text": "Hello there"}]
    assert request.body == {"model": MODEL, "messages": [{"role": "user", "content": blocks}]}


async def test_count_sends_system_and_tools_as_complete_would(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider()
    messages = [
        LLMMessage(role="system", content="You answer in French."),
        LLMMessage(role="user", content="Quel temps fait-il à Paris ?"),
    ]
    counted = await provider.count_tokens(messages, tools=[WEATHER], model="claude-sonnet-4-6")
    body = anthropic_server.requests[-1].body
    assert body["system"] == "You answer in French."
    assert body["tools"][0]["name"] == "get_weather"
    assert body["model"] == "claude-sonnet-4-6"
    assert "max_tokens" not in body
    assert "temperature" not in body
    assert counted.input_tokens == count_body(body)
    assert counted.input_tokens > 300  # the tool-use preamble is counted


async def test_count_matches_the_usage_of_a_call_shape(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """The count request carries the same messages a completion of them sends."""
    provider = make_provider()
    conversation = [
        LLMMessage(role="user", content="What is 2 + 2?"),
        LLMMessage(role="assistant", content="4"),
        LLMMessage(role="user", content="And times 3?"),
    ]
    await provider.count_tokens(conversation)
    await provider.complete(conversation)
    counted, completed = anthropic_server.requests
    assert counted.body["messages"] == completed.body["messages"]


async def test_offline_sends_nothing_and_says_it_estimates(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """Offline: ceil(11 / 4) = 3 for the text, 3 for the message."""
    provider = make_provider()
    counted = await provider.count_tokens(user("Hello there"), offline=True)
    assert counted == TokenCount(input_tokens=6, exact=False, method="estimate", model=MODEL)
    assert anthropic_server.requests == []


async def test_offline_counts_a_non_ascii_character_as_a_token(make_provider: MakeProvider) -> None:
    provider = make_provider()
    counted = await provider.count_tokens(user("東京の天気"), offline=True)
    assert counted.input_tokens == 5 + 3


async def test_offline_weighs_punctuation_three_quarters(make_provider: MakeProvider) -> None:
    """'f(x);': 5 ASCII characters, 3 of them punctuation: ceil((5 + 2 * 3) / 4) = 3."""
    provider = make_provider()
    counted = await provider.count_tokens(user("f(x);"), offline=True)
    assert counted.input_tokens == 3 + 3


async def test_an_error_status_is_typed_and_carries_no_key(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, api_key: str
) -> None:
    reply = json.dumps({"status": 429, "headers": {"retry-after": "7"}})
    provider = make_provider(headers={"x-loopback-reply": reply})
    with pytest.raises(RateLimitError) as caught:
        await provider.count_tokens(user("hi"))
    error = caught.value
    assert error.provider_id == "claude_main"
    assert error.model == MODEL
    assert error.retry_after == 7
    chain: BaseException | None = error
    while chain is not None:
        assert api_key not in f"{chain} {chain!r}"
        chain = chain.__cause__ or chain.__context__
    assert anthropic_server.find_secret(api_key) == []


async def test_a_wrong_key_is_an_authentication_error(make_provider: MakeProvider) -> None:
    async with AnthropicServer(api_key="sk-ant-right") as server:
        provider = make_provider(base_url=server.base_url, api_key=Secret("sk-ant-wrong-canary"))
        with pytest.raises(AuthenticationError) as caught:
            await provider.count_tokens(user("hi"))
        assert "sk-ant-wrong-canary" not in str(caught.value)
        assert isinstance(caught.value, APIError)
        assert caught.value.status_code == 401
        assert server.requests[-1].path == "/v1/messages/count_tokens"


async def test_an_unknown_model_is_refused_before_sending(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider()
    with pytest.raises(ValueError, match="gpt-4o"):
        await provider.count_tokens(user("hi"), model="gpt-4o")
    assert anthropic_server.requests == []


# --------------------------------------------------------------------------- pre-flight


def _sized(tokens: int) -> list[LLMMessage]:
    """A user message the offline estimate puts at exactly ``tokens`` (3 are the message's)."""
    return user("abcd" * (tokens - 3))


async def test_one_token_over_the_window_is_refused_with_nothing_sent(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider()
    caps = provider.capabilities()
    assert caps.context_window is not None
    assert caps.max_output_tokens is not None
    window, max_tokens = caps.context_window, caps.max_output_tokens
    messages = _sized(window - max_tokens + 1)
    with pytest.raises(ContextWindowExceededError) as caught:
        await provider.complete(messages, max_tokens=max_tokens)
    error = caught.value
    assert (error.input_tokens, error.max_tokens, error.context_window) == (
        window - max_tokens + 1,
        max_tokens,
        window,
    )
    message = str(error)
    assert "\n" not in message
    for figure in (f"{window - max_tokens + 1} input tokens", f"max_tokens {max_tokens}",
                   f"> {window}", MODEL, "claude_main"):  # fmt: skip
        assert figure in message
    with pytest.raises(ContextWindowExceededError):
        provider.stream(messages, max_tokens=max_tokens)
    assert anthropic_server.requests == []


async def test_exactly_the_window_is_sent(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider()
    caps = provider.capabilities()
    assert caps.context_window is not None
    assert caps.max_output_tokens is not None
    max_tokens = caps.max_output_tokens
    messages = _sized(caps.context_window - max_tokens)
    response = await provider.complete(messages, max_tokens=max_tokens)
    assert response.content.startswith("echo: ")
    [request] = anthropic_server.requests
    assert request.body["max_tokens"] == max_tokens
