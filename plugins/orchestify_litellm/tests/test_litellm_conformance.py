"""The core's conformance suite, run on the ``litellm`` provider against both loopback
servers: an ``anthropic/`` model and an ``openai/`` model, each reached through base_url."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from litellm_support import ANTHROPIC_MODEL, OPENAI_MODEL

from orchestify_core import LLMProvider
from orchestify_core.testing.conformance import Claims, ProviderConformance
from orchestify_core.testing.servers import LoopbackServer


class _KnownGaps(ProviderConformance):
    """Checks the plugin fails today, kept visible: a fix makes them pass (strict xfail)."""

    @pytest.mark.xfail(
        strict=True,
        reason="LiteLLM's stream wrapper names the requested model in every chunk; the "
        "plugin does not read the model the server reported in the stream",
    )
    async def test_served_model_reported_in_stream(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        await super().test_served_model_reported_in_stream(provider, server)


class TestAnthropicBackendConformance(_KnownGaps):
    """``anthropic/claude-sonnet-4-5`` through LiteLLM, against the Anthropic server."""

    protocol: ClassVar[str | None] = "anthropic"
    claims: ClassVar[Claims] = Claims(
        tools=True,
        thinking=True,
        vision=True,
        cache_read=True,
        cache_write=True,
        prompt_cache_marks=True,
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "litellm", "default_model": ANTHROPIC_MODEL, "base_url": base_url}


class TestOpenAIBackendConformance(_KnownGaps):
    """``openai/gpt-4o`` through LiteLLM, against the OpenAI server."""

    protocol: ClassVar[str | None] = "openai"
    claims: ClassVar[Claims] = Claims(
        tools=True,
        thinking=False,
        vision=True,
        cache_read=True,
        cache_write=True,
        early_input_usage=False,  # OpenAI streams report usage in their last chunk only
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "litellm", "default_model": OPENAI_MODEL, "base_url": base_url}
