"""The core's conformance suite, run on the openai plugin against the loopback server."""

from __future__ import annotations

from typing import Any

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.testing.conformance import Claims, ProviderConformance
from orchestify_core.testing.servers import LoopbackServer, Reply


class TestOpenAIConformance(ProviderConformance):
    """Every conformance check, through the registry, the plugin and the real openai SDK."""

    protocol = "openai"
    claims = Claims(tools=True, thinking=False, vision=True, cache_read=True, cache_write=True)

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "openai", "default_model": "gpt-4o-mini", "base_url": base_url}

    async def test_stream_cancelled_midway(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Leaving a stream early accounts an estimated usage and closes its connection."""
        # Replaces the suite's check, which wants the exact input count: Chat Completions
        # reports usage only in a stream's last chunk, so a stream left early has none and
        # the core's estimate is accounted instead (the suite assumes usage is sent before
        # the content, as Anthropic's message_start does).
        assert server is not None
        self.script(
            provider,
            server,
            Reply("word " * 40, chunk_count=40, event_delay=0.01, input_tokens=33),
        )
        messages = [LLMMessage(role="user", content="long")]
        async with provider.stream(messages) as stream:
            async for _ in stream:
                break
        usage = provider.get_usage()
        assert usage.attempts == 1
        assert usage.outcomes == {"cancelled": 1}
        assert usage.total_input > 0
        assert usage.estimated_attempts == 1
        await server.wait_for_connections(0, within=5)
