"""Shared fixtures: the loopback servers, a canary key, and providers built from config.

litellm is imported once per test session (by the first provider built), never per test.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from orchestify_core import LLMProvider, ProviderRegistry
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret

pytest_plugins = ["orchestify_core.testing.fixtures"]

ANTHROPIC_MODEL = "anthropic/claude-sonnet-4-5"
OPENAI_MODEL = "openai/gpt-4o"
PROVIDER_ID = "llm"

Build = Callable[..., LLMProvider]


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
