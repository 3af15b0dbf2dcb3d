"""Typed options: ClaudeOptions structured by the core, errors at their file, line and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from orchestify_claude import ClaudeProvider
from orchestify_claude._options import ClaudeOptions

from orchestify_core import ConfigError, ProviderRegistry, loads_config
from orchestify_core.plugins import create_plugin_manager

ORCHESTIFY = str(Path(sys.executable).parent / "orchestify")


def config_text(options: str) -> str:
    return (
        "providers:\n"
        "  claude_main:\n"
        "    type: anthropic\n"
        "    api_key: ${ANTHROPIC_API_KEY}\n"
        "    default_model: claude-haiku-4-5\n"
        "    base_url: http://127.0.0.1:9\n"
        f"    options: {options}\n"
    )


def build(options: str) -> ProviderRegistry:
    config = loads_config(
        config_text(options), file="claude.yaml", environ={"ANTHROPIC_API_KEY": "sk-ant-o"}
    )
    return ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())


async def test_options_are_a_claude_options_instance() -> None:
    """provider.options is the typed instance; the default when options: is left out."""
    registry = build("{send_temperature: true}")
    provider = registry.get("claude_main")
    assert provider._context.options == ClaudeOptions(send_temperature=True)
    await registry.aclose()
    plain = ClaudeProvider(api_key="k", default_model="claude-haiku-4-5")
    assert plain._context.options == ClaudeOptions()
    await plain.aclose()


@pytest.mark.parametrize(
    ("options", "key", "reason"),
    [
        ('{send_temperature: "yes"}', "send_temperature", "expected true or false"),
        ("{send_temperature: 1}", "send_temperature", "expected bool"),
        ("{sendtemperature: true}", "sendtemperature", "send_temperature"),
    ],
)
def test_bad_option_names_file_line_and_key(options: str, key: str, reason: str) -> None:
    """A wrong type or an unknown key: ConfigError at claude.yaml:7, providers...options.KEY."""
    with pytest.raises(ConfigError) as info:
        build(options)
    message = str(info.value)
    assert message.startswith(f"claude.yaml:7: providers.claude_main.options.{key}: "), message
    assert reason in message


def test_bad_option_in_orchestify_check(tmp_path: Path) -> None:
    """`orchestify check` exits 2 with one line naming the file, line and key."""
    path = tmp_path / "orchestify.yaml"
    path.write_text(config_text('{send_temperature: "yes"}'))
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-check"}
    env.pop("ORCHESTIFY_CONFIG", None)
    result = subprocess.run(
        [ORCHESTIFY, "check", "-c", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{path}:7: providers.claude_main.options.send_temperature: " in lines[0]
    assert "Traceback" not in result.stderr
    assert "sk-ant-check" not in result.stdout + result.stderr
