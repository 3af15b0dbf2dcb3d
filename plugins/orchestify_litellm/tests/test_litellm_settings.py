"""A provider's config -> the arguments of every litellm call."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from orchestify_litellm._settings import settings_from_config

from orchestify_core import ConfigError
from orchestify_core.config import ProviderConfig, parse_config
from orchestify_core.secret import Secret


def _config(**settings: Any) -> ProviderConfig:
    entry = {"type": "litellm", "default_model": "azure/gpt-4o", **settings}
    return parse_config([({"providers": {"p": entry}}, {})]).providers.providers["p"]


def test_call_arguments() -> None:
    """Config becomes api_key, api_base, timeout, extra_headers; LiteLLM retries are off."""
    config = _config(
        api_key=Secret("sk-test-key-123456"),
        base_url="https://example.openai.azure.com",
        timeout=12.5,
        headers={"X-Team": "a"},
        options={"api_version": "2024-10-21"},
    )
    kwargs = settings_from_config("p", config).call_kwargs()
    assert kwargs == {
        "drop_params": True,
        "api_version": "2024-10-21",
        "num_retries": 0,
        "max_retries": 0,
        "timeout": 12.5,
        "api_key": "sk-test-key-123456",
        "api_base": "https://example.openai.azure.com",
        "extra_headers": {"X-Team": "a"},
        "no-log": True,
    }


def test_settings_never_show_the_key() -> None:
    """The settings' repr does not contain the key."""
    settings = settings_from_config("p", _config(api_key=Secret("sk-secret-value-999")))
    assert "sk-secret-value-999" not in repr(settings)


def test_plugin_options_are_not_forwarded() -> None:
    """litellm_log_level, litellm_debug_info and litellm_callbacks configure the plugin."""
    options = {"litellm_log_level": "debug", "litellm_debug_info": True, "litellm_callbacks": True}
    settings = settings_from_config("p", _config(options=options))
    assert settings.quiet.log_level == logging.DEBUG
    assert settings.quiet.debug_info is True
    assert settings.quiet.callbacks is True
    kwargs = settings.call_kwargs()
    assert "no-log" not in kwargs
    assert not set(options) & set(kwargs)


def test_drop_params_can_be_turned_off() -> None:
    """options.drop_params: false reaches LiteLLM."""
    settings = settings_from_config("p", _config(options={"drop_params": False}))
    assert settings.call_kwargs()["drop_params"] is False


def test_organization_and_project() -> None:
    """organization is LiteLLM's organization argument; project the OpenAI-Project header."""
    kwargs = settings_from_config(
        "p", _config(organization="org-1", project="proj-1")
    ).call_kwargs()
    assert kwargs["organization"] == "org-1"
    assert kwargs["extra_headers"] == {"OpenAI-Project": "proj-1"}


@pytest.mark.parametrize("key", ["api_key", "num_retries", "max_retries", "timeout", "api_base"])
def test_options_cannot_set_what_the_layer_owns(key: str) -> None:
    """An option the layer owns (key, endpoint, retries, timeout) is a ConfigError."""
    with pytest.raises(ConfigError, match=re.escape(f"providers.p.options.{key}")):
        settings_from_config("p", _config(options={key: 1}))


def test_bad_log_level() -> None:
    """An unknown litellm_log_level is a ConfigError naming the option."""
    with pytest.raises(ConfigError, match="litellm_log_level"):
        settings_from_config("p", _config(options={"litellm_log_level": "LOUD"}))
