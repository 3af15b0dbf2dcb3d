"""The plugin hands every response's headers to the core, which learns the rate limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
HEADERS = {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-output-tokens-limit": "8000",
}


@pytest.mark.parametrize("mode", ["complete", "stream"])
async def test_limits_are_learned_from_the_answers_headers(
    mode: str, make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider(rate_limits={})
    anthropic_server.enqueue(Reply(text="hi", headers=HEADERS))
    messages = [LLMMessage(role="user", content="x")]
    if mode == "complete":
        await provider.complete(messages)
    else:
        assert [chunk async for chunk in provider.stream(messages)] == ["hi"]
    limiter = provider._context.rate_limiter
    assert limiter is not None
    assert limiter.limits() == {"requests": 50, "input_tokens": 40000, "output_tokens": 8000}
