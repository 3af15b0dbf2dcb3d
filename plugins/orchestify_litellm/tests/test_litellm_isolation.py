"""In fresh interpreters: importing the plugin does not import litellm, and a registry
built from YAML with one ``litellm`` provider works, quietly, without the other orchestify
plugins and without LITELLM_LOCAL_MODEL_COST_MAP set by the caller."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

_IMPORT_ONLY = """
import sys
import orchestify_litellm
import orchestify_litellm.plugin
from orchestify_core.plugins import installed_plugins
types = [p.provider_type for p in installed_plugins()]
print(sys.modules.get("litellm") is None, "litellm" in types)
"""

_REGISTRY = """
import asyncio, json, sys
from orchestify_core import LLMMessage, ProviderError, ProviderRegistry, loads_config
from orchestify_core.testing.servers import AnthropicServer, Reply

YAML = '''
providers:
  claude_via_litellm:
    type: litellm
    default_model: anthropic/claude-sonnet-4-6
    api_key: ${KEY}
    base_url: ${BASE}
    retry: {max_retries: 0}
'''

async def main():
    async with AnthropicServer(api_key="sk-sub-key-0123456789") as server:
        config = loads_config(YAML, environ={"KEY": "sk-sub-key-0123456789", "BASE": server.base_url})
        assert "litellm" not in sys.modules
        registry = ProviderRegistry.from_config(config)
        provider = registry.get("claude_via_litellm")
        server.enqueue(Reply("from yaml"), Reply("streamed", chunk_count=2), Reply(status=500))
        response = await provider.complete([LLMMessage("user", "hi")])
        chunks = [c async for c in provider.stream([LLMMessage("user", "hi")])]
        try:
            await provider.complete([LLMMessage("user", "hi")])
        except ProviderError as exc:
            error = type(exc).__name__
        await registry.aclose()
    from orchestify_litellm._import import import_cost
    cost = import_cost()
    print(json.dumps({
        "type": type(provider).__name__,
        "content": response.content,
        "stream": "".join(chunks),
        "error": error,
        "cost_usd": str(response.cost_usd),
        "litellm_loaded": "litellm" in sys.modules,
        "other_plugins": sorted(m for m in ("orchestify_claude", "orchestify_openai") if m in sys.modules),
        "cost_map_env": __import__("os").environ.get("LITELLM_LOCAL_MODEL_COST_MAP"),
        "import_seconds": cost.seconds,
        "import_rss_mb": cost.rss_mb,
    }))

asyncio.run(main())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def registry_run() -> subprocess.CompletedProcess[str]:
    """One fresh interpreter building a registry from YAML (shared by the tests below)."""
    return _run(_REGISTRY)


def _result(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def test_importing_the_plugin_does_not_import_litellm() -> None:
    """Importing orchestify_litellm and its plugin module leaves litellm unimported."""
    run = _run(_IMPORT_ONLY)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


def test_registry_from_yaml_alone(registry_run: subprocess.CompletedProcess[str]) -> None:
    """A YAML registry with one litellm provider works without the other orchestify plugins."""
    result = _result(registry_run)
    assert result["type"] == "LiteLLMProvider"
    assert (result["content"], result["stream"]) == ("from yaml", "streamed")
    assert result["error"] == "InternalServerError"
    assert result["cost_usd"] != "None"
    assert result["litellm_loaded"] is True
    assert result["other_plugins"] == []


def test_litellm_uses_its_bundled_cost_map(registry_run: subprocess.CompletedProcess[str]) -> None:
    """The plugin sets LITELLM_LOCAL_MODEL_COST_MAP before importing litellm."""
    assert _result(registry_run)["cost_map_env"] == "True"


def test_no_output_from_litellm(registry_run: subprocess.CompletedProcess[str]) -> None:
    """Successes and failures print nothing to stdout or stderr."""
    _result(registry_run)
    assert registry_run.stdout.count("\n") == 1
    assert registry_run.stderr == ""


def test_import_cost_is_measured(
    registry_run: subprocess.CompletedProcess[str], record_property: Any
) -> None:
    """The time and memory that importing litellm cost are measured once, at build."""
    result = _result(registry_run)
    record_property("litellm_import_seconds", result["import_seconds"])
    record_property("litellm_import_rss_mb", result["import_rss_mb"])
    assert result["import_seconds"] > 0
    assert result["import_rss_mb"] is None or result["import_rss_mb"] > 0
