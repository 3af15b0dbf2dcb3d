"""The key stays secret, and the plugin costs nothing until an anthropic provider is built."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestify_core import AuthenticationError, LLMMessage, LLMProvider
from orchestify_core.testing.servers import AnthropicServer, Reply

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]


def run_python(code: str, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter; return its stdout (fail on a non-zero exit)."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_canary_key_never_leaks(
    make_provider: MakeProvider,
    anthropic_server: AnthropicServer,
    api_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The key is in no DEBUG log record of any logger, repr, error, or header but its own."""
    caplog.set_level(logging.DEBUG)
    for name in ("anthropic", "httpx2", "httpx", "httpcore", "httpcore2", "orchestify_core"):
        caplog.set_level(logging.DEBUG, logger=name)
    anthropic_server.api_key = api_key
    provider = make_provider()
    anthropic_server.enqueue(Reply("ok"), Reply("ok", chunk_count=3), Reply(status=500))
    texts = [repr(provider), repr(provider.config), str(provider.config), repr(provider.client)]
    texts.append(repr(await provider.complete(USER)))
    texts += [chunk async for chunk in provider.stream(USER)]
    with pytest.raises(Exception) as server_error:
        await provider.complete(USER)
    texts.append(repr(await provider.health_check()))
    assert anthropic_server.find_secret(api_key) == []

    anthropic_server.api_key = "a-different-key"
    with pytest.raises(AuthenticationError) as rejected:
        await provider.complete(USER)
    for error in (server_error.value, rejected.value):
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
    assert caplog.records, "DEBUG logging captured nothing"
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    texts.append(caplog.text)
    assert [text for text in texts if api_key in text] == []


def test_importing_the_plugin_does_not_import_the_sdk(tmp_path: Path) -> None:
    """Importing orchestify_claude (and its hooks) and listing plugins imports no SDK."""
    out = run_python(
        """
        import sys
        import orchestify_claude
        import orchestify_claude.plugin
        from orchestify_core.plugins import installed_plugins
        types = [info.provider_type for info in installed_plugins()]
        assert "anthropic" in types, types
        heavy = [m for m in ("anthropic", "httpx2", "genai_prices") if m in sys.modules]
        print("imported:", heavy)
        """,
        tmp_path,
    )
    assert out.strip() == "imported: []"


def test_registry_needs_only_the_core_and_this_plugin(tmp_path: Path) -> None:
    """A registry of one anthropic provider built from YAML imports neither openai nor litellm."""
    (tmp_path / "providers.yaml").write_text(
        "providers:\n"
        "  claude_main:\n"
        "    type: anthropic\n"
        "    api_key: ${ANTHROPIC_API_KEY}\n"
        "    default_model: claude-haiku-4-5\n"
        "    base_url: http://127.0.0.1:9\n"
    )
    out = run_python(
        """
        import os, sys
        os.environ["ANTHROPIC_API_KEY"] = "sk-ant-test"
        from orchestify_core import ProviderRegistry, load_config
        from orchestify_claude import ClaudeProvider
        registry = ProviderRegistry.from_config(load_config("providers.yaml"))
        provider = registry.get("claude_main")
        assert isinstance(provider, ClaudeProvider), type(provider)
        assert provider.supports_tools() and provider.supports_thinking()
        assert provider.price() is not None
        assert "anthropic" in sys.modules
        print("imported:", [m for m in ("openai", "litellm") if m in sys.modules])
        """,
        tmp_path,
    )
    assert out.strip() == "imported: []"
