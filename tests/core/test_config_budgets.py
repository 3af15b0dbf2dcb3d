"""No YAML feature gets around the budgets: every bomb is one ConfigError naming the file."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestify_core import ConfigError, load_config, loads_config
from orchestify_core._yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES

GOOD = "providers:\n  main: {type: scripted, default_model: m}\n"


def refused(load: Callable[[], object]) -> str:
    """The one-line message of the ConfigError that ``load`` raises; it must finish at all."""
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(load())
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)  # a liveness bound, far above the budgets' cost: not a timing assertion
    assert outcome, "the bomb did not finish"
    error = outcome[0]
    assert isinstance(error, ConfigError), f"expected a ConfigError, got {error!r}"
    message = str(error)
    assert "\n" not in message
    return message


def merge_bomb(levels: int, fan_out: int = 10, leaf: str = "{}") -> str:
    lines = [f"a0: &a0 {leaf}"]
    for i in range(1, levels + 1):
        merged = ", ".join([f"*a{i - 1}"] * fan_out)
        lines.append(f"a{i}: &a{i} {{<<: [{merged}]}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("leaf", ["{}", "{k: v}"])
def test_merge_key_bomb_counts_against_the_budget(leaf: str) -> None:
    """``<<: [*a, *a, ...]`` nested is charged per merged mapping and key (was 51 s)."""
    text = merge_bomb(12, leaf=leaf)
    assert len(text) < 1000
    message = refused(lambda: loads_config(text, file="bomb.yaml"))
    assert message.startswith("bomb.yaml:")
    assert "document too large" in message
    assert "aliases are expanded" in message


def test_merge_keys_still_merge() -> None:
    """A normal merge key works as YAML says: explicit keys win over merged ones."""
    text = (
        "defaults: &d {type: scripted, default_model: m, max_tokens: 100}\n"
        "providers:\n  main:\n    <<: *d\n    max_tokens: 200\n"
    ).replace("defaults: &d", "x-defaults: &d")
    with pytest.raises(ConfigError, match="x-defaults: unknown key"):
        loads_config(text)
    text = (
        "providers:\n  base: &d {type: scripted, default_model: m, max_tokens: 100}\n"
        "  main:\n    <<: [*d]\n    max_tokens: 200\n"
    )
    main = loads_config(text).providers.providers["main"]
    assert (main.type, main.default_model, main.max_tokens) == ("scripted", "m", 200)


def test_alias_bomb_is_refused() -> None:
    """A billion laughs (10 levels of ten aliases) is refused, naming file and line."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghij"):
        lines.append(
            f"{name}: &{name} [" + ", ".join(f"*{'abcdefghij'[i]}" for _ in range(10)) + "]"
        )
    message = refused(lambda: loads_config("\n".join(lines) + "\n", file="laughs.yaml"))
    assert message.startswith("laughs.yaml:")
    assert "document too large" in message


def test_recursive_alias_is_refused() -> None:
    """An anchor that contains itself is refused, not a RecursionError."""
    message = refused(lambda: loads_config("a: &a [*a]\n", file="self.yaml"))
    assert message.startswith("self.yaml:1: ")
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in message


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[", "]"), ("{a: ", "}"), ("- ", "")],
    ids=["flow-seq", "flow-map", "block-seq"],
)
def test_deep_nesting_is_one_error(opening: str, closing: str) -> None:
    """500 levels of nesting: one ConfigError with file and line, no RecursionError."""
    if opening == "- ":
        text = "x:\n" + "".join("  " * i + "-\n" for i in range(1, 500)) + "  " * 500 + "- 1\n"
    else:
        text = "x: " + opening * 500 + "1" * (closing == "}") + closing * 500 + "\n"
    message = refused(lambda: loads_config(text, file="deep.yaml"))
    assert message.startswith("deep.yaml:")
    assert f"nested too deeply (more than {MAX_DEPTH} levels)" in message


def test_deeper_than_the_recursion_limit_is_one_error() -> None:
    """Nesting far past Python's recursion limit is still one ConfigError."""
    depth = sys.getrecursionlimit() * 3
    message = refused(lambda: loads_config("x: " + "[" * depth + "]" * depth + "\n", file="d.yaml"))
    assert "nested too deeply" in message


def test_nesting_within_the_limit_loads() -> None:
    """Moderate nesting (inside options) is fine."""
    nested = "[" * 20 + "]" * 20
    text = GOOD.replace("m}", "m, options: {deep: " + nested + "}}")
    assert loads_config(text).providers.providers["main"].options["deep"] is not None


def test_too_many_nodes_is_refused() -> None:
    """A document with more nodes than MAX_NODES is refused while composing."""
    text = "x: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n"
    assert len(text) < MAX_BYTES
    message = refused(lambda: loads_config(text, file="wide.yaml"))
    assert message.startswith("wide.yaml:1: ")
    assert f"document too large (more than {MAX_NODES} nodes)" in message


def test_huge_file_fails_before_parsing(tmp_path: Path) -> None:
    """A 50 MB config is refused from its size, without reading it all."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.write(GOOD.encode())
        stream.truncate(50 * 1024 * 1024)  # sparse: the test writes almost nothing
    message = refused(lambda: load_config(path))
    assert message == (
        f"{path}: file too large ({50 * 1024 * 1024} bytes; the limit is {MAX_BYTES} bytes)"
    )


def test_file_just_over_the_limit_is_refused(tmp_path: Path) -> None:
    """One byte over the limit is refused; a directory of files is checked file by file."""
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text("# " + "x" * MAX_BYTES + "\n")
    message = refused(lambda: load_config(tmp_path))
    assert message.startswith(f"{tmp_path / 'b.yaml'}: file too large")


def test_huge_string_is_refused() -> None:
    """loads_config applies the same size limit to a string."""
    message = refused(lambda: loads_config("x: " + "a" * MAX_BYTES, file="s.yaml"))
    assert message.startswith("s.yaml: document too large")


def test_yaml_1_1_directive_is_refused() -> None:
    """%YAML 1.1 would read yes/no/0777/1:30 with other rules: refused, naming the fix."""
    message = refused(lambda: loads_config("%YAML 1.1\n---\n" + GOOD, file="old.yaml"))
    assert message.startswith("old.yaml:2: %YAML 1.1 is not supported")
    assert "remove the directive" in message


def test_yaml_1_2_directive_is_fine() -> None:
    """%YAML 1.2 is what the config is read as anyway."""
    assert loads_config("%YAML 1.2\n---\n" + GOOD).providers.providers["main"].type == "scripted"
