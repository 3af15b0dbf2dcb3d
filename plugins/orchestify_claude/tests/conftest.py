"""Fixtures: the loopback Anthropic server, a canary key, and providers aimed at the server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from orchestify_core import LLMProvider, ProviderRegistry
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret
from orchestify_core.testing.fixtures import anthropic_server
from orchestify_core.testing.servers import AnthropicServer

__all__ = ["anthropic_server", "api_key", "make_provider", "provider"]

MODEL = "claude-haiku-4-5"
PROVIDER_ID = "claude_main"

MakeProvider = Callable[..., LLMProvider]


def build_provider(settings: dict[str, Any]) -> LLMProvider:
    """A provider built from YAML-like settings by a registry with a fresh plugin manager."""
    config = parse_config([({"providers": {PROVIDER_ID: settings}}, {})])
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    return registry.get(PROVIDER_ID)


@pytest.fixture
def api_key() -> str:
    """A canary key: it must show nowhere but in the Authorization header."""
    return f"sk-ant-canary-{uuid.uuid4()}"


@pytest_asyncio.fixture
async def make_provider(
    anthropic_server: AnthropicServer, api_key: str
) -> AsyncIterator[MakeProvider]:
    """Build ``anthropic`` providers aimed at the loopback server (no retries); closed after."""
    built: list[LLMProvider] = []

    def make(**overrides: Any) -> LLMProvider:
        settings: dict[str, Any] = {
            "type": "anthropic",
            "default_model": MODEL,
            "base_url": anthropic_server.base_url,
            "api_key": Secret(api_key),
            "retry": {"max_retries": 0},
            "timeout": 10.0,
            **overrides,
        }
        provider = build_provider(settings)
        built.append(provider)
        return provider

    yield make
    for provider in built:
        await provider.aclose()


@pytest.fixture
def provider(make_provider: MakeProvider) -> LLMProvider:
    """The default provider: claude-haiku-4-5 on the loopback server, no retries."""
    return make_provider()
