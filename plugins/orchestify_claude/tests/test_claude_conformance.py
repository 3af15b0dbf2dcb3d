"""The core's conformance suite, run against the anthropic plugin and the loopback server."""

from __future__ import annotations

from typing import Any

from orchestify_core.testing.conformance import Claims, ProviderConformance


class TestClaudeConformance(ProviderConformance):
    """Every conformance check, for a claude-haiku-4-5 provider (tools, vision, thinking)."""

    protocol = "anthropic"
    claims = Claims(
        tools=True,
        thinking=True,
        vision=True,
        cache_read=True,
        cache_write=True,
        network=True,
        prompt_cache_marks=True,
        count_endpoint=True,  # POST /v1/messages/count_tokens
    )

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {
            "type": "anthropic",
            "default_model": "claude-haiku-4-5",
            "base_url": base_url,
            "options": {"send_temperature": True},  # so the temperature check applies
        }
