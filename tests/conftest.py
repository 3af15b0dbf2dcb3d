"""Shared fixtures: a fresh plugin manager per test, and config helpers."""

from __future__ import annotations

import importlib.util
import os

import pluggy
import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from orchestify_core import ProviderRegistry, loads_config
from orchestify_core.plugins import create_plugin_manager

pytest_plugins = ["orchestify_core.testing.fixtures"]


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager of its own, so that no test sees another's plugins."""
    return create_plugin_manager()


@pytest.fixture
def build_registry(plugin_manager: pluggy.PluginManager):  # type: ignore[no-untyped-def]
    """Build a registry from YAML text, with ${VAR}s taken from the given mapping."""

    def build(text: str, environ: dict[str, str] | None = None) -> ProviderRegistry:
        config = loads_config(text, file="test.yaml", environ=environ or {})
        return ProviderRegistry.from_config(config, plugin_manager=plugin_manager)

    return build


@pytest.fixture
def clean_plugin_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No plugin allowlist from the outer environment."""
    monkeypatch.delenv("ORCHESTIFY_PLUGINS", raising=False)


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


requires_test_plugins = pytest.mark.skipif(
    not installed("orchestify_echo") or not installed("orchestify_broken"),
    reason="the test plugin distributions are installed by nox (tests/plugins/*)",
)
