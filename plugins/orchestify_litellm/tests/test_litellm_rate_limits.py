"""The plugin hands the provider's response headers (as LiteLLM keeps them) to the core,
which learns the rate limits from them."""

from __future__ import annotations

import pytest
from litellm_support import Backend, Build, user

from orchestify_core.testing.servers import Reply

HEADERS = {
    "anthropic": {"anthropic-ratelimit-requests-limit": "50"},
    "openai": {"x-ratelimit-limit-requests": "50"},
}


@pytest.mark.parametrize("mode", ["complete", "stream"])
async def test_limits_are_learned_from_the_answers_headers(
    mode: str, backend: Backend, build: Build
) -> None:
    provider = build(backend.model, backend.server.base_url, rate_limits={})
    backend.server.enqueue(Reply(text="hi", headers=HEADERS[backend.name]))
    if mode == "complete":
        assert (await provider.complete(user("x"))).content == "hi"
    else:
        assert "".join([chunk async for chunk in provider.stream(user("x"))]) == "hi"
    limiter = provider._context.rate_limiter
    assert limiter is not None
    assert limiter.limits() == {"requests": 50}
