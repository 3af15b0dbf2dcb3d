"""The core's conformance suite, run on the ``litellm`` provider against both loopback
servers: an ``anthropic/`` model and an ``openai/`` model, each reached through base_url."""

from __future__ import annotations

from typing import Any, ClassVar

from orchestify_core import LLMProvider
from orchestify_core.testing.conformance import Claims, ProviderConformance
from orchestify_core.testing.servers import LoopbackServer, Reply

from .conftest import ANTHROPIC_MODEL, OPENAI_MODEL, user


class TestAnthropicBackendConformance(ProviderConformance):
    """``anthropic/claude-sonnet-4-5`` through LiteLLM, against the Anthropic server."""

    protocol: ClassVar[str | None] = "anthropic"
    claims: ClassVar[Claims] = Claims(
        tools=True, thinking=True, vision=True, cache_read=True, cache_write=True
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "litellm", "default_model": ANTHROPIC_MODEL, "base_url": base_url}


class TestOpenAIBackendConformance(ProviderConformance):
    """``openai/gpt-4o`` through LiteLLM, against the OpenAI server."""

    protocol: ClassVar[str | None] = "openai"
    claims: ClassVar[Claims] = Claims(
        tools=True, thinking=False, vision=True, cache_read=True, cache_write=True
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "litellm", "default_model": OPENAI_MODEL, "base_url": base_url}

    # The suite's version expects the input tokens of a stream left after its first chunk;
    # OpenAI's protocol sends them in the last chunk only, so the core estimates them.

    async def test_stream_cancelled_midway(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """An early-left stream is cancelled, its input estimated, its connection closed."""
        assert server is not None
        self.script(
            provider,
            server,
            Reply("word " * 40, chunk_count=40, event_delay=0.01, input_tokens=33),
        )
        async with provider.stream(user("long")) as stream:
            async for _ in stream:
                break
        usage = provider.get_usage()
        assert usage.attempts == 1
        assert usage.outcomes == {"cancelled": 1}
        assert usage.estimated_attempts == 1
        assert usage.total_input > 0
        await server.wait_for_connections(0, within=5)
