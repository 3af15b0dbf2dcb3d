"""Secrets in headers: and options: are masked in repr and dump_config, but read as written."""

from __future__ import annotations

import logging
import uuid

import pytest

from orchestify_core import ProviderConfig, Secret, dump_config, loads_config
from orchestify_core._config_secrets import sensitive_name

CANARY = f"sk-canary-{uuid.uuid4()}"
TOKEN = f"tok-canary-{uuid.uuid4()}"
MASK = "**********"

CONFIG = """\
providers:
  main:
    type: scripted
    api_key: ${ANTHROPIC_API_KEY}
    default_model: m
    headers:
      x-api-key: "${K}"
      Authorization: "Bearer ${K}"
      x-team: research
      x-forwarded: "${MY_SERVICE_TOKEN}"
    options:
      aws_secret_access_key: "${K}"
      region: eu-west-1
      max_tokens_param: max_completion_tokens
      nested: {db_password: hunter2-canary, hosts: ["${MY_SERVICE_TOKEN}", plain]}
      use_token_auth: true
"""
ENV = {"ANTHROPIC_API_KEY": CANARY, "K": CANARY, "MY_SERVICE_TOKEN": TOKEN}


def provider() -> ProviderConfig:
    return loads_config(CONFIG, file="c.yaml", environ=ENV).providers.providers["main"]


@pytest.mark.parametrize(
    "name",
    ["Authorization", "x-api-key", "api-key", "API_KEY", "x-goog-api-key", "aws_secret_access_key",
     "X-Auth-Token", "db_password", "gcp_credentials", "session-cookie", "apiKey", "auth"],
)  # fmt: skip
def test_sensitive_names(name: str) -> None:
    """Names that look like credentials, in any case and spelling."""
    assert sensitive_name(name)


@pytest.mark.parametrize(
    "name", ["x-team", "region", "max_tokens", "max_tokens_param", "tokenizer", "api_version",
             "author", "organization", "MAX_TOKENS"],
)  # fmt: skip
def test_plain_names(name: str) -> None:
    """Counts and ordinary settings are not secrets (``tokens`` is not ``token``)."""
    assert not sensitive_name(name)


def test_plugins_read_headers_and_options_as_written() -> None:
    """config.headers and config.options stay plain mappings of plain values."""
    config = provider()
    assert config.headers["x-api-key"] == CANARY
    assert config.headers["Authorization"] == f"Bearer {CANARY}"
    assert config.headers["x-forwarded"] == TOKEN
    assert config.options["aws_secret_access_key"] == CANARY
    assert config.options["nested"]["hosts"] == [TOKEN, "plain"]
    assert type(config.headers) is dict
    assert all(type(value) is str for value in config.headers.values())


def test_repr_masks_sensitive_headers_and_options() -> None:
    """repr(config) shows no secret, by key name or by the ${VAR} it came from."""
    config = provider()
    for text in (repr(config), str(config), repr(loads_config(CONFIG, environ=ENV))):
        assert CANARY not in text
        assert TOKEN not in text
        assert "hunter2-canary" not in text
        assert "'x-team': 'research'" in text
        assert "'region': 'eu-west-1'" in text
        assert "'max_tokens_param': 'max_completion_tokens'" in text
        assert "'use_token_auth': True" in text


def test_dump_config_masks_every_secret() -> None:
    """dump_config masks api_key, sensitive header/option values and ${SECRET} values."""
    dumped = dump_config(loads_config(CONFIG, environ=ENV))
    entry = dumped["providers"]["main"]
    assert entry["api_key"] == MASK
    assert entry["headers"] == {
        "x-api-key": MASK, "Authorization": MASK, "x-team": "research", "x-forwarded": MASK,
    }  # fmt: skip
    assert entry["options"]["aws_secret_access_key"] == MASK
    assert entry["options"]["region"] == "eu-west-1"
    assert entry["options"]["nested"] == {"db_password": MASK, "hosts": [MASK, "plain"]}
    assert "_origin" not in entry
    assert "origin" not in entry
    text = repr(dumped)
    assert CANARY not in text
    assert TOKEN not in text
    assert "hunter2" not in text


def test_secret_values_lists_every_secret() -> None:
    """secret_values(): the api_key, every masked string, and a Bearer token alone."""
    values = provider().secret_values()
    assert CANARY in values
    assert TOKEN in values
    assert f"Bearer {CANARY}" in values
    assert "hunter2-canary" in values
    assert "research" not in values
    assert "max_completion_tokens" not in values
    assert len(values) == len(set(values))
    assert all(isinstance(value, str) and value for value in values)


def test_config_built_in_python_is_masked_by_name() -> None:
    """A ProviderConfig built directly masks by name (it has no ${VAR} history)."""
    config = ProviderConfig(
        type="scripted", default_model="m", api_key=Secret(CANARY),
        headers={"x-api-key": CANARY, "x-team": "t"}, options={"client_secret": CANARY},
    )  # fmt: skip
    assert CANARY not in repr(config)
    assert config.secret_values() == (CANARY,)
    assert ProviderConfig(type="scripted", default_model="m").secret_values() == ()


def test_origin_does_not_change_equality() -> None:
    """Two configs that say the same are equal wherever they were written."""
    one = loads_config(CONFIG, file="a.yaml", environ=ENV)
    two = loads_config("\n\n" + CONFIG, file="b.yaml", environ=ENV)
    assert one == two


def test_nothing_logged_while_loading_contains_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    """Loading a config with secrets in headers and options logs none of them."""
    caplog.set_level(logging.DEBUG)
    provider()
    assert not [r for r in caplog.records if CANARY in r.getMessage() or TOKEN in r.getMessage()]
