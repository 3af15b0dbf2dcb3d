"""Shared fixtures: the loopback servers, a canary key, and providers built from config.

litellm is imported once per test session (by the first provider built), never per test.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import attrs
import pytest
import pytest_asyncio

from orchestify_core import LLMMessage, LLMProvider, ProviderRegistry
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import LoopbackServer, server_class

pytest_plugins = ["orchestify_core.testing.fixtures"]

ANTHROPIC_MODEL = "anthropic/claude-sonnet-4-5"
OPENAI_MODEL = "openai/gpt-4o"
MODELS = {"anthropic": ANTHROPIC_MODEL, "openai": OPENAI_MODEL}
PROVIDER_ID = "llm"
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
# A 1x1 transparent PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

Build = Callable[..., LLMProvider]


@attrs.frozen
class Backend:
    """A loopback server and the LiteLLM model string that reaches it."""

    name: str
    server: LoopbackServer
    model: str


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage("user", text)]


@pytest.fixture
def api_key() -> str:
    """A canary key: it must never show anywhere but in its own header."""
    return f"sk-canary-{uuid.uuid4()}"


@pytest.fixture
def build(api_key: str) -> Build:
    """Build a ``litellm`` provider through a registry, from YAML-shaped settings."""

    def make(model: str, base_url: str | None, **settings: Any) -> LLMProvider:
        entry: dict[str, Any] = {
            "type": "litellm",
            "default_model": model,
            "api_key": Secret(api_key),
            "retry": {"max_retries": 0},
            "timeout": 10.0,
            **settings,
        }
        if base_url is not None:
            entry["base_url"] = base_url
        config = parse_config([({"providers": {PROVIDER_ID: entry}}, {})])
        registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
        return registry.get(PROVIDER_ID)

    return make


@pytest_asyncio.fixture(params=["anthropic", "openai"])
async def backend(request: pytest.FixtureRequest, api_key: str) -> AsyncIterator[Backend]:
    """Each loopback server in turn, requiring the canary key."""
    async with server_class(request.param)(api_key=api_key) as server:
        yield Backend(request.param, server, MODELS[request.param])


@pytest_asyncio.fixture
async def provider(backend: Backend, build: Build) -> AsyncIterator[LLMProvider]:
    """A litellm provider for the backend's model, pointed at its server."""
    provider = build(backend.model, backend.server.base_url, headers={"X-Team": "search"})
    yield provider
    await provider.aclose()
