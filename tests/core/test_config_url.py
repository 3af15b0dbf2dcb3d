"""base_url: no key in the query string; a warning when a key would travel over plain http."""

from __future__ import annotations

import logging

import pytest

from orchestify_core import ConfigError, loads_config

CANARY = "sk-canary-url-0123456789"


def config_with(base_url: str, api_key: str | None = "${KEY}") -> str:
    key = f"    api_key: {api_key}\n" if api_key else ""
    return (
        "providers:\n  main:\n    type: scripted\n    default_model: m\n"
        f"{key}    base_url: '{base_url}'\n"
    )


def load(text: str):  # type: ignore[no-untyped-def]
    return loads_config(text, file="c.yaml", environ={"KEY": CANARY})


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("https://api.example.com/v1?api_key=abc123", "api_key"),
        ("https://api.example.com/v1?key=abc123", "key"),
        ("https://api.example.com/v1?token=abc123", "token"),
        ("https://api.example.com/v1?api-version=2024&Access_Token=abc", "Access_Token"),
        ("https://api.example.com/v1?x=1&client_secret=abc", "client_secret"),
        ("https://x.blob.example.com/c?sv=2022&sig=abc", "sig"),
        ("https://api.example.com/v1?key=", "key"),
        (f"https://api.example.com/v1?apiKey={CANARY}", "apiKey"),
    ],
)
def test_credential_in_query_string_is_refused(url: str, param: str) -> None:
    """A key-like query parameter is one clear error at base_url's line, never echoing it."""
    with pytest.raises(ConfigError) as info:
        load(config_with(url))
    message = str(info.value)
    assert message.startswith(
        "c.yaml:6: providers.main.base_url: must not carry a credential in its query string"
    )
    assert "\n" not in message
    assert CANARY not in message
    assert "abc123" not in message
    assert repr(param) in message


def test_plain_query_parameters_are_fine() -> None:
    """api-version and other plain parameters are allowed."""
    config = load(config_with("https://x.openai.azure.com/openai?api-version=2024-06-01"))
    assert config.providers.providers["main"].base_url is not None


def test_plain_http_to_a_remote_host_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    """http:// to a non-loopback host with a key: one WARNING naming provider and host."""
    caplog.set_level(logging.DEBUG)
    load(config_with("http://llm.example.com:8080/v1"))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "main" in message
    assert "llm.example.com" in message
    assert "unencrypted" in message
    assert CANARY not in message
    assert CANARY not in repr(warnings[0].__dict__)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/v1",
        "http://LOCALHOST/v1",
        "http://127.0.0.1:8080/v1",
        "http://127.5.6.7/v1",
        "http://[::1]:8080/v1",
        "https://llm.example.com/v1",
    ],
)
def test_loopback_or_https_is_silent(url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Loopback servers and https:// never warn."""
    caplog.set_level(logging.DEBUG)
    load(config_with(url))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_plain_http_without_a_key_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    """No key, nothing to leak: no warning."""
    caplog.set_level(logging.DEBUG)
    load(config_with("http://llm.example.com/v1", api_key=None))
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_bad_config_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    """A config that fails to load warns about nothing (it changes nothing)."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError):
        load(config_with("http://llm.example.com/v1") + "    max_tokens: lots\n")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
