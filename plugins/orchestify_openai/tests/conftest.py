"""Fixtures: the loopback OpenAI server, a canary key, and providers pointed at the server."""

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
from orchestify_core.testing.fixtures import openai_server
from orchestify_core.testing.servers import OpenAIServer

__all__ = ["api_key", "build", "make_provider", "openai_server", "provider"]

MODEL = "gpt-4o-mini"
PROVIDER_ID = "gpt"

MakeProvider = Callable[..., LLMProvider]


@pytest.fixture
def api_key() -> str:
    """A canary key: it must show nowhere but in the Authorization header."""
    return f"sk-canary-{uuid.uuid4()}"


def build_provider(settings: dict[str, Any]) -> LLMProvider:
    """A provider built from YAML-like settings through a registry and a fresh plugin manager."""
    config = parse_config([({"providers": {PROVIDER_ID: settings}}, {})])
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    return registry.get(PROVIDER_ID)


@pytest.fixture
def build() -> Callable[[dict[str, Any]], LLMProvider]:
    """Build a provider from settings, as a registry does (no server needed)."""
    return build_provider


@pytest_asyncio.fixture
async def make_provider(openai_server: OpenAIServer, api_key: str) -> AsyncIterator[MakeProvider]:
    """Build ``openai`` providers aimed at the loopback server (no retries); closed after."""
    built: list[LLMProvider] = []

    def make(**overrides: Any) -> LLMProvider:
        settings: dict[str, Any] = {
            "type": "openai",
            "default_model": MODEL,
            "base_url": openai_server.base_url,
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
    """An ``openai`` provider with default settings, aimed at the loopback server."""
    return make_provider()
