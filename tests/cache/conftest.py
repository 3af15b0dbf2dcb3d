"""Fixtures of the response-cache tests: a real redis-server for the session, a cache
section per backend (a fresh SQLite file, or a Redis prefix of its own, per test), and a
registry of an ``openai`` provider pointed at a loopback server that records requests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from orchestify_core import loads_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

BACKENDS = ("memory", "sqlite", "redis")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def cache_yaml(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., str]:
    """The ``cache:`` section of a config for ``backend`` (a fresh store for each test)."""
    prefix = f"c-{uuid.uuid4().hex[:10]}"

    def section(**extra: object) -> str:
        lines = [f"  backend: {backend}"]
        if backend == "sqlite":
            lines.append(f"  path: {tmp_path / 'cache.sqlite3'}")
        if backend == "redis":
            server: RedisServer = request.getfixturevalue("redis_server")
            lines += [f"  url: {server.url}", f"  prefix: {prefix}"]
        lines += [f"  {key}: {value}" for key, value in extra.items()]
        return "cache:\n" + "\n".join(lines) + "\n"

    return section


def provider_yaml(
    pid: str,
    base_url: str,
    *,
    key: str = "sk-test-alpha-1234567890",
    kind: str = "openai",
    model: str = "gpt-4o-mini",
    extra: str = "cache: true",
) -> str:
    return (
        f"  {pid}:\n    type: {kind}\n    api_key: {key}\n    default_model: {model}\n"
        f"    base_url: {base_url}\n    retry: {{max_retries: 0}}\n    {extra}\n"
    )


@pytest_asyncio.fixture
async def registries() -> AsyncIterator[Callable[[str], ProviderRegistry]]:
    """Build registries from YAML text; each is closed after the test."""
    built: list[ProviderRegistry] = []

    def build(text: str) -> ProviderRegistry:
        pytest.importorskip("orchestify_openai")
        registry = ProviderRegistry.from_config(
            loads_config(text, file="test.yaml"), plugin_manager=create_plugin_manager()
        )
        built.append(registry)
        return registry

    yield build
    for registry in built:
        await registry.aclose()
