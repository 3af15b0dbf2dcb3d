"""A provider's config and typed options -> the arguments of every litellm call; bad
options are ConfigErrors at their key, from the registry and from ``orchestify check``."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from orchestify_litellm._options import CallSettings, LiteLLMOptions

from orchestify_core import ConfigError, LLMProvider, ProviderRegistry, loads_config
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret


def _provider(**settings: Any) -> LLMProvider:
    entry = {"type": "litellm", "default_model": "azure/gpt-4o", **settings}
    config = parse_config([({"providers": {"p": entry}}, {})])
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    return registry.get("p")


def _settings(**settings: Any) -> CallSettings:
    client: Any = _provider(**settings).client
    result: CallSettings = client.settings
    return result


def test_call_arguments() -> None:
    """Config becomes api_key, api_base, extra_headers; LiteLLM retries are off. The
    timeout is the request's (see test_litellm_request)."""
    settings = _settings(
        api_key=Secret("sk-test-key-123456"),
        base_url="https://example.openai.azure.com",
        timeout=12.5,
        headers={"X-Team": "a"},
        options={"api_version": "2024-10-21"},
    )
    assert settings.call_kwargs() == {
        "drop_params": True,
        "api_version": "2024-10-21",
        "num_retries": 0,
        "max_retries": 0,
        "api_key": "sk-test-key-123456",
        "api_base": "https://example.openai.azure.com",
        "extra_headers": {"X-Team": "a"},
        "no-log": True,
    }


def test_settings_never_show_the_key() -> None:
    """The settings' repr does not contain the key."""
    settings = _settings(api_key=Secret("sk-secret-value-999"))
    assert "sk-secret-value-999" not in repr(settings)


def test_plugin_options_are_not_forwarded() -> None:
    """litellm_log_level, litellm_debug_info and litellm_callbacks configure the plugin."""
    options = {"litellm_log_level": "debug", "litellm_debug_info": True, "litellm_callbacks": True}
    try:
        settings = _settings(options=options)
        assert settings.options.log_level == logging.DEBUG
        assert settings.options.litellm_debug_info is True
        assert settings.options.litellm_callbacks is True
        kwargs = settings.call_kwargs()
        assert "no-log" not in kwargs
        assert not set(options) & set(kwargs)
    finally:
        _provider()  # LiteLLM's switches are process-wide: quiet them again


def test_drop_params_can_be_turned_off() -> None:
    """options.drop_params: false reaches LiteLLM."""
    assert _settings(options={"drop_params": False}).call_kwargs()["drop_params"] is False


def test_other_litellm_arguments_go_in_params() -> None:
    """options.params carries any other litellm.acompletion argument, as it is."""
    params = {"vertex_project": "p1", "seed": 7}
    kwargs = _settings(options={"params": params}).call_kwargs()
    assert (kwargs["vertex_project"], kwargs["seed"]) == ("p1", 7)


def test_organization_and_project() -> None:
    """organization is LiteLLM's organization argument; project the OpenAI-Project header."""
    kwargs = _settings(organization="org-1", project="proj-1").call_kwargs()
    assert kwargs["organization"] == "org-1"
    assert kwargs["extra_headers"] == {"OpenAI-Project": "proj-1"}


@pytest.mark.parametrize("key", ["api_key", "num_retries", "max_retries", "timeout", "api_base"])
def test_options_cannot_set_what_the_layer_owns(key: str) -> None:
    """An option the layer owns (key, endpoint, retries, timeout) is a ConfigError, at the
    top of options and in params."""
    with pytest.raises(ConfigError, match=re.escape(f"providers.p.options.{key}")):
        _provider(options={key: 1})
    with pytest.raises(
        ConfigError, match=re.escape(f"providers.p.options.params: params.{key}: cannot be set")
    ):
        _provider(options={"params": {key: 1}})
    with pytest.raises(ValueError, match=re.escape(f"params.{key}: cannot be set here")):
        LiteLLMOptions(params={key: 1})


def test_bad_log_level() -> None:
    """An unknown litellm_log_level is refused: a ConfigError at its key, saying what is
    allowed."""
    with pytest.raises(
        ConfigError, match=re.escape("providers.p.options.litellm_log_level: must be in (")
    ):
        _provider(options={"litellm_log_level": "LOUD"})
    with pytest.raises(ValueError, match="litellm_log_level"):
        LiteLLMOptions(litellm_log_level="LOUD")


YAML = """\
providers:
  llm:
    type: litellm
    default_model: ollama/llama3
    options:
      {option}
"""
BAD_OPTIONS = {
    "drop_params: maybe": ("drop_params", "bool"),
    "litellm_callbacks: 3": ("litellm_callbacks", "bool"),
    "api_version: 2024": ("api_version", "string"),
    "params: 5": ("params", "mapping"),
    "temperatur: 0.5": ("temperatur", "unknown key"),
}


@pytest.mark.parametrize("option", sorted(BAD_OPTIONS))
def test_bad_option_names_file_line_and_key(option: str) -> None:
    """A bad option is a ConfigError at file:line and providers.llm.options.KEY."""
    key, reason = BAD_OPTIONS[option]
    with pytest.raises(ConfigError) as info:
        ProviderRegistry.from_config(loads_config(YAML.format(option=option)))
    message = str(info.value)
    assert f"providers.llm.options.{key}: " in message
    assert reason in message
    assert info.value.line == 6


def test_bad_option_in_orchestify_check(tmp_path: Path) -> None:
    """`orchestify check` on a bad option: exit status 2 and one line naming the key."""
    path = tmp_path / "orchestify.yaml"
    path.write_text(YAML.format(option="drop_params: maybe"))
    run = subprocess.run(
        [sys.executable, "-m", "orchestify_core.cli", "check", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    lines = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"{path}:6: providers.llm.options.drop_params" in lines[0]


def test_options_class_defaults() -> None:
    """Without options: drop_params on, LiteLLM quiet, callbacks off."""
    options = LiteLLMOptions()
    assert (options.drop_params, options.log_level, options.litellm_callbacks) == (
        True,
        logging.CRITICAL,
        False,
    )
