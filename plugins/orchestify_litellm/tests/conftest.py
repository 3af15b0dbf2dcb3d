"""Fixtures: the loopback servers, a canary key, and litellm providers built from config.

litellm is imported once per test session (by the first provider built), never per test.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from litellm_support import MODELS, PROVIDER_ID, Backend, Build

from orchestify_core import LLMProvider, ProviderRegistry
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret
from orchestify_core.testing.fixtures import anthropic_server, openai_server
from orchestify_core.testing.servers import server_class

__all__ = [
    "anthropic_server",
    "api_key",
    "backend",
    "backend_for",
    "build",
    "openai_server",
    "provider",
]


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


@pytest.fixture
def backend_for(
    api_key: str,
) -> Callable[[str], contextlib.AbstractAsyncContextManager[tuple[Any, str]]]:
    """``async with backend_for("anthropic") as (server, model)``: a loopback server of that
    protocol requiring the canary key, and the model string reaching it."""

    @contextlib.asynccontextmanager
    async def start(name: str) -> AsyncIterator[tuple[Any, str]]:
        async with server_class(name)(api_key=api_key) as server:
            yield server, MODELS[name]

    return start
