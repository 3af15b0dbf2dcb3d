"""structure_options: a plugin's options: parsed into its attrs class, errors at file:line."""

from __future__ import annotations

import enum
from typing import Literal

import attrs
import pytest

from orchestify_core import ConfigError, ProviderConfig, loads_config
from orchestify_core.config import (
    options_error,
    parse_config,
    provider_error,
    structure_options,
)


@attrs.frozen
class Retry:
    attempts: int = 1


@attrs.frozen
class EchoOptions:
    """A small plugin's options."""

    echo_chunk_size: int = 16
    echo_delay: float = 0.0
    verbose: bool = False
    region: str | None = None
    retry: Retry = Retry()


CONFIG = """\
providers:
  main:
    type: scripted
    default_model: m
    options:
      echo_chunk_size: 4
      echo_delay: 0.5
      verbose: true
      region: eu
      retry: {attempts: 3}
"""


def provider(text: str, **environ: str) -> ProviderConfig:
    return loads_config(text, file="c.yaml", environ=environ).providers.providers["main"]


def options_error_of(text: str, **environ: str) -> str:
    with pytest.raises(ConfigError) as info:
        structure_options(EchoOptions, provider(text, **environ), "main")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_options_are_structured() -> None:
    """Every key lands in its typed attribute; missing keys take their defaults."""
    options = structure_options(EchoOptions, provider(CONFIG), "main")
    assert options == EchoOptions(4, 0.5, True, "eu", Retry(3))
    empty = provider("providers:\n  main: {type: scripted, default_model: m}\n")
    assert structure_options(EchoOptions, empty, "main") == EchoOptions()


def test_options_from_variables_are_typed() -> None:
    """A ${VAR} option is structured into its type (the strings of numbers are numbers)."""
    text = CONFIG.replace("echo_chunk_size: 4", "echo_chunk_size: ${N}")
    assert structure_options(EchoOptions, provider(text, N="8"), "main").echo_chunk_size == 8


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("echo_chunk_size: 4", "echo_chunk_size: lots", "c.yaml:6: providers.main.options.echo_chunk_size: expected int"),
        ("echo_chunk_size: 4", "echo_chunk_size: true", "c.yaml:6: providers.main.options.echo_chunk_size: expected int"),
        ("echo_delay: 0.5", "echo_delay: .nan", "c.yaml:7: providers.main.options.echo_delay: expected a finite number"),
        ("verbose: true", "verbose: yes", "c.yaml:8: providers.main.options.verbose: expected true or false ('yes' is a string in YAML 1.2)"),
        ("region: eu", "region: [eu]", "c.yaml:9: providers.main.options.region: expected str"),
        ("retry: {attempts: 3}", "retry: {attempts: many}", "c.yaml:10: providers.main.options.retry.attempts: expected int"),
        ("retry: {attempts: 3}", "retry: 5", "c.yaml:10: providers.main.options.retry: expected a mapping"),
        ("echo_chunk_size: 4", "echo_chunk_size: " + "9" * 19, "c.yaml:6: providers.main.options.echo_chunk_size: integer too large"),
    ],
)  # fmt: skip
def test_bad_option_is_one_error_at_its_line(old: str, new: str, expected: str) -> None:
    """A wrong type names file, line and providers.<id>.options.<key>."""
    assert options_error_of(CONFIG.replace(old, new)).startswith(expected)


def test_unknown_option_suggests_a_close_key() -> None:
    """An unknown key says so, with difflib's closest match."""
    text = CONFIG.replace("echo_delay: 0.5", "echo_dealy: 0.5")
    assert options_error_of(text) == (
        "c.yaml:7: providers.main.options.echo_dealy: unknown key (did you mean 'echo_delay'?)"
    )


def test_unknown_nested_option_suggests_a_close_key() -> None:
    """Suggestions work in nested option classes too."""
    text = CONFIG.replace("retry: {attempts: 3}", "retry: {atempts: 3}")
    assert options_error_of(text) == (
        "c.yaml:10: providers.main.options.retry.atempts: unknown key (did you mean 'attempts'?)"
    )


def test_unknown_option_without_a_close_match() -> None:
    """Nothing close: just 'unknown key'."""
    text = CONFIG.replace("region: eu", "zzz: 1")
    assert options_error_of(text) == "c.yaml:9: providers.main.options.zzz: unknown key"


def test_option_error_never_shows_a_secret_value() -> None:
    """The error names the key, not the value (which may hold a key)."""
    text = CONFIG.replace("echo_chunk_size: 4", "echo_chunk_size: ${SECRET_KEY}")
    message = options_error_of(text, SECRET_KEY="sk-canary-options")
    assert "sk-canary-options" not in message


def test_options_of_a_directory_name_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In a directory of files, the error names the file the provider was written in."""
    from orchestify_core import load_config

    (tmp_path / "a.yaml").write_text("providers:\n  other: {type: scripted, default_model: m}\n")
    (tmp_path / "b.yaml").write_text(CONFIG.replace("verbose: true", "verbose: 3"))
    config = load_config(tmp_path).providers.providers["main"]
    with pytest.raises(ConfigError) as info:
        structure_options(EchoOptions, config, "main")
    assert str(info.value).startswith(f"{tmp_path / 'b.yaml'}:8: providers.main.options.verbose")


def test_config_from_python_arguments_names_arguments() -> None:
    """A config built from Python arguments: file <arguments>, no line."""
    config = ProviderConfig(type="scripted", default_model="m", options={"echo_chunk_size": "x"})
    with pytest.raises(ConfigError) as info:
        structure_options(EchoOptions, config, "p")
    assert str(info.value) == "<arguments>: providers.p.options.echo_chunk_size: expected int"
    built = parse_config(
        [({"providers": {"p": {"type": "scripted", "default_model": "m",
                               "options": {"verbose": "no"}}}}, {})],
        default_file="<arguments>",
    )  # fmt: skip
    with pytest.raises(ConfigError) as info:
        structure_options(EchoOptions, built.providers.providers["p"], "p")
    assert str(info.value).startswith("<arguments>: providers.p.options.verbose: expected true")


def test_options_error_and_provider_error_point_at_any_key() -> None:
    """The core can build an error for any key path of a provider, at its line."""
    config = provider(CONFIG)
    assert str(options_error(config, "main", "region", "not a region")) == (
        "c.yaml:9: providers.main.options.region: not a region"
    )
    assert str(options_error(config, "main", ("retry", "attempts"), "too many")) == (
        "c.yaml:10: providers.main.options.retry.attempts: too many"
    )
    assert str(provider_error(config, "main", "default_model", "unknown model")) == (
        "c.yaml:4: providers.main.default_model: unknown model"
    )
    # a key that was not written points at its nearest written parent
    assert str(options_error(config, "main", "missing", "required")) == (
        "c.yaml:5: providers.main.options.missing: required"
    )
    assert str(provider_error(config, "main", "base_url", "needed")) == (
        "c.yaml:2: providers.main.base_url: needed"
    )


def test_structuring_options_changes_nothing() -> None:
    """The config keeps its plain options mapping."""
    config = provider(CONFIG)
    before = dict(config.options)
    structure_options(EchoOptions, config, "main")
    assert dict(config.options) == before


class Effort(enum.Enum):
    LOW = "low"
    HIGH = "high"


@attrs.frozen
class CheckedOptions:
    """Options with a validator, a Literal and an optional enum."""

    chunk: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    mode: Literal["fast", "slow"] = "fast"
    effort: Effort | None = None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("chunk: 0", "c.yaml:6: providers.main.options.chunk: must be >= 1 (got 0)"),
        ("mode: medium",
         "c.yaml:6: providers.main.options.mode: expected one of 'fast', 'slow', got 'medium'"),
        ("effort: mid", "c.yaml:6: providers.main.options.effort: expected one of 'low', 'high'"),
    ],
)  # fmt: skip
def test_validators_literals_and_enums_say_what_is_allowed(line: str, expected: str) -> None:
    text = f"providers:\n  main:\n    type: scripted\n    default_model: m\n    options:\n      {line}\n"
    with pytest.raises(ConfigError) as info:
        structure_options(CheckedOptions, provider(text), "main")
    assert str(info.value) == expected
