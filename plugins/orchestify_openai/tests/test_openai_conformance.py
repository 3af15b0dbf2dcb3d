"""The core's conformance suite, run on the openai plugin against the loopback server."""

from __future__ import annotations

from typing import Any

from orchestify_core.testing.conformance import Claims, ProviderConformance


class TestOpenAIConformance(ProviderConformance):
    """Every conformance check, through the registry, the plugin and the real openai SDK."""

    protocol = "openai"
    # Chat Completions reports usage only in a stream's last chunk: a stream left early has
    # its input tokens estimated, not reported.
    claims = Claims(
        tools=True,
        thinking=False,
        vision=True,
        cache_read=True,
        cache_write=True,
        early_input_usage=False,
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "openai", "default_model": "gpt-4o-mini", "base_url": base_url}
