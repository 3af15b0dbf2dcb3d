"""Every problem of a config in one error, in line order, each file:line: key.path: what."""

from __future__ import annotations

import pytest

from orchestify_core import ConfigError, loads_config
from orchestify_core.config import ConfigProblems

BROKEN = """\
providers:
  a:
    type: scripted
    api_key: ${UNSET_ONE}
    default_modle: m
    max_tokens: lots
  b:
    type: mistral
    default_model: m
    base_url: ${UNSET_TWO}
    fallbacks: [zzz]
agents:
  w: {provider: a, temprature: 1}
  v: {provider: nope, temprature: 1}
"""


def _known(provider_type: str) -> str | None:
    return None if provider_type == "scripted" else f"unknown provider type {provider_type!r}"


def test_every_problem_in_line_order() -> None:
    with pytest.raises(ConfigError) as info:
        loads_config(BROKEN, file="c.yaml", environ={}, check_type=_known)
    assert str(info.value).splitlines() == [
        "c.yaml:4: providers.a.api_key: environment variable UNSET_ONE is not set",
        "c.yaml:5: providers.a.default_modle: unknown key (did you mean 'default_model'?)",
        "c.yaml:6: providers.a.max_tokens: expected int",
        "c.yaml:8: providers.b.type: unknown provider type 'mistral'",
        "c.yaml:10: providers.b.base_url: environment variable UNSET_TWO is not set",
        "c.yaml:11: providers.b.fallbacks[0]: unknown provider 'zzz' (configured: a, b)",
        "c.yaml:13: agents.w.temprature: unknown key (did you mean 'temperature'?)",
        "c.yaml:14: agents.v.temprature: unknown key (did you mean 'temperature'?)",
        "c.yaml:14: agents.v.provider: unknown provider 'nope' (configured: a, b)",
    ]
    error = info.value
    assert isinstance(error, ConfigProblems)
    assert [(p.line, p.path) for p in error.problems][:2] == [
        (4, "providers.a.api_key"), (5, "providers.a.default_modle")]  # fmt: skip
    assert (error.file, error.line, error.path) == ("c.yaml", 4, "providers.a.api_key")


def test_misspelt_required_key_is_not_also_missing() -> None:
    """`default_modle:` is an unknown key with a suggestion, never `default_model` missing."""
    with pytest.raises(ConfigError) as info:
        loads_config("providers:\n  a:\n    type: scripted\n    default_modle: m\n", file="c.yaml")
    assert str(info.value) == (
        "c.yaml:4: providers.a.default_modle: unknown key (did you mean 'default_model'?)"
    )


def test_two_unset_variables_in_one_run() -> None:
    text = (
        "providers:\n  a:\n    type: scripted\n    default_model: ${MODEL_A}\n"
        "  b:\n    type: scripted\n    default_model: ${MODEL_B}\n"
    )
    with pytest.raises(ConfigError) as info:
        loads_config(text, file="c.yaml", environ={})
    assert "MODEL_A" in str(info.value).splitlines()[0]
    assert "MODEL_B" in str(info.value).splitlines()[1]


def test_unset_keys_allowed_when_asked() -> None:
    """For tools that call no one, an unset key is recorded, not refused."""
    from orchestify_core._yaml import read_yaml
    from orchestify_core.config import parse_config

    text = "providers:\n  a:\n    type: scripted\n    default_model: m\n    api_key: ${NOPE_KEY}\n"
    config = parse_config([read_yaml(text, "c.yaml")], environ={}, allow_unset_keys=True)
    origin = config.providers.providers["a"]._origin
    assert origin is not None
    assert origin.unset_keys == {("api_key",): "NOPE_KEY"}
    with pytest.raises(ConfigError, match="NOPE_KEY is not set"):
        parse_config([read_yaml(text, "c.yaml")], environ={})


def test_problems_across_files_in_file_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from orchestify_core import load_config

    (tmp_path / "a.yaml").write_text(
        "providers:\n  x:\n    type: scripted\n    default_model: m\n    colour: red\n"
    )
    (tmp_path / "b.yaml").write_text("providers:\n  x:\n    type: scripted\n    default_model: m\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{tmp_path / 'a.yaml'}:5: providers.x.colour: unknown key"
    assert lines[1].startswith(f"{tmp_path / 'b.yaml'}:2: providers.x: defined twice (first at ")
