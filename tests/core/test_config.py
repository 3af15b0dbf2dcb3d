"""Loading configuration: every bad input is one clear error with file, line and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestify_core import ConfigError, Secret, dump_config, load_config, loads_config

GOOD = """\
providers:
  main:
    type: scripted
    api_key: ${KEY}
    default_model: m1
"""


def load(text: str, **environ: str):  # type: ignore[no-untyped-def]
    return loads_config(text, file="c.yaml", environ=environ)


def error_of(text: str, **environ: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(text, **environ)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_good_config_structures() -> None:
    """A valid file gives typed records with defaults filled in and the key as a Secret."""
    config = load(GOOD, KEY="sk-1")
    provider = config.providers.providers["main"]
    assert provider.type == "scripted"
    assert provider.max_tokens == 8192
    assert provider.api_key == Secret("sk-1")
    assert provider.retry.max_retries == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    max_tokens: many\n",
            "c.yaml:5: providers.main.max_tokens: expected int",
            id="wrong-type",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    max_tokens: true\n",
            "c.yaml:5: providers.main.max_tokens: expected int",
            id="bool-for-int",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    colour: red\n",
            "c.yaml:5: providers.main.colour: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    max_tokns: 5\n",
            "c.yaml:5: providers.main.max_tokns: unknown key (did you mean 'max_tokens'?)",
            id="unknown-key-suggestion",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    _origin: x\n",
            "c.yaml:5: providers.main._origin: unknown key",
            id="private-field-is-not-a-key",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    retry: 5\n",
            "c.yaml:5: providers.main.retry: expected a mapping",
            id="record-not-mapping",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n",
            "c.yaml:2: providers.main.default_model: required key missing",
            id="missing-key",
        ),
        pytest.param(
            "providers:\n  a: {type: scripted, default_model: m}\n  a: {type: scripted, default_model: n}\n",
            "c.yaml:3: providers: duplicate key 'a'",
            id="duplicate-key",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    api_key: ${KEY\n",
            "c.yaml:5: providers.main.api_key: malformed substitution '${KEY': missing '}'",
            id="malformed-substitution",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    api_key: ${1BAD}\n",
            "c.yaml:5: providers.main.api_key: malformed substitution '${1BAD}'",
            id="malformed-name",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    api_key: ${NOT_SET}\n",
            "c.yaml:5: providers.main.api_key: environment variable NOT_SET is not set",
            id="undefined-variable",
        ),
        pytest.param(
            "providers:\n  main: !!python/object/apply:os.system ['echo pwned']\n",
            "c.yaml:2: providers.main: tag 'tag:yaml.org,2002:python/object/apply:os.system' "
            "is not allowed",
            id="python-tag",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n"
            "    base_url: https://user:pw@example.com/v1\n",
            "c.yaml:5: providers.main.base_url: must not contain credentials; use api_key",
            id="credentials-in-url",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    base_url: ftp://x\n",
            "c.yaml:5: providers.main.base_url: must be an http:// or https:// URL",
            id="bad-url",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    max_tokens: 0\n",
            "c.yaml:5: providers.main.max_tokens: must be a positive integer",
            id="zero-max-tokens",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n    fallbacks: [nope]\n",
            "c.yaml:5: providers.main.fallbacks[0]: unknown provider 'nope' (configured: main)",
            id="unknown-fallback",
        ),
        pytest.param(
            "providers:\n  main: {type: scripted, default_model: m}\nagents:\n  a1:\n    provider: x\n",
            "c.yaml:5: agents.a1.provider: unknown provider 'x' (configured: main)",
            id="agent-unknown-provider",
        ),
        pytest.param(
            "providers:\n  main: [1, 2]\n",
            "c.yaml:2: providers.main: expected a mapping of provider settings",
            id="provider-not-mapping",
        ),
        pytest.param(
            "provider:\n  main: {type: scripted, default_model: m}\n",
            "c.yaml:1: provider: unknown key (expected 'providers' or 'agents')",
            id="unknown-section",
        ),
        pytest.param(
            "providers:\n  main: {type: scripted, default_model: m\n",
            "c.yaml:3: invalid YAML",
            id="syntax-error",
        ),
        pytest.param(
            "providers:\n  main:\n    type: scripted\n    default_model: m\n"
            "    retry: {max_retries: -1}\n",
            "c.yaml:5: providers.main.retry.max_retries: must not be negative",
            id="negative-retries",
        ),
    ],
)
def test_bad_config_is_one_clear_error(text: str, expected: str) -> None:
    """Each bad input names the file, the line and the key path, on one line."""
    assert error_of(text).startswith(expected)


def test_alias_bomb_is_refused() -> None:
    """A billion-laughs document is refused instead of eating memory."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [" + ", ".join(f"*{prev}" for _ in range(10)) + "]")
    message = error_of("\n".join(lines) + "\n")
    assert "document too large" in message


def test_substitution_forms() -> None:
    """${VAR}, ${VAR:-default} and $$ are substituted; a value is never re-substituted or parsed."""
    text = (
        "providers:\n  main:\n    type: scripted\n    default_model: ${MODEL:-fallback-model}\n"
        "    api_key: ${KEY}\n    headers: {x-cost: '$$5'}\n    options: {x-inject: '${INJECT}'}\n"
    )
    config = load(text, KEY="k", INJECT="${KEY}\nfoo: [bar]")
    provider = config.providers.providers["main"]
    assert provider.default_model == "fallback-model"
    assert provider.headers == {"x-cost": "$5"}
    assert provider.options == {"x-inject": "${KEY}\nfoo: [bar]"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            "{x-inject: '${INJECT}'}",
            "providers.main.headers.x-inject: must not contain a line break",
        ),
        ("{'bad name': v}", "providers.main.headers.bad name: is not a valid HTTP header name"),
        ("{'x-a:b': v}", "providers.main.headers.x-a:b: is not a valid HTTP header name"),
    ],
)
def test_header_injection_is_refused(headers: str, expected: str) -> None:
    """A header value with CR/LF (e.g. from a variable) or a bad header name is refused."""
    text = (
        f"providers:\n  main:\n    type: scripted\n    default_model: m\n    headers: {headers}\n"
    )
    message = error_of(text, INJECT="sk-canary-inject\r\nX-Evil: 1")
    assert message.startswith(f"c.yaml:5: {expected}")
    assert "sk-canary-inject" not in message


def test_substitution_gives_typed_values() -> None:
    """A ${VAR} in a numeric field is structured as a number."""
    text = "providers:\n  main:\n    type: scripted\n    default_model: m\n    max_tokens: ${MAX}\n"
    assert load(text, MAX="1000").providers.providers["main"].max_tokens == 1000


def test_directory_is_merged(tmp_path: Path) -> None:
    """load_config(dir) merges every YAML file; a provider defined twice names both files."""
    (tmp_path / "a.yaml").write_text("providers:\n  one: {type: scripted, default_model: m}\n")
    (tmp_path / "b.yml").write_text("providers:\n  two: {type: scripted, default_model: m}\n")
    config = load_config(tmp_path)
    assert sorted(config.providers.providers) == ["one", "two"]
    (tmp_path / "c.yaml").write_text("providers:\n  one: {type: scripted, default_model: x}\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'c.yaml'}:2: providers.one: defined twice (first at {tmp_path / 'a.yaml'}:2)"
    )


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    """A path that does not exist is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="no such file or directory"):
        load_config(tmp_path / "missing.yaml")


def test_dump_masks_secrets() -> None:
    """Dumped config shows the key masked and everything else as written."""
    dumped = dump_config(load(GOOD, KEY="sk-very-secret"))
    assert dumped["providers"]["main"]["api_key"] == "**********"
    assert "sk-very-secret" not in repr(dumped)


def test_error_does_not_leak_secret_values() -> None:
    """An error in a provider with a key never shows the key."""
    text = GOOD + "    max_tokens: lots\n"
    assert "sk-very-secret" not in error_of(text, KEY="sk-very-secret")
