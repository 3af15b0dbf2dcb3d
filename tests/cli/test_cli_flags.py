"""The command line itself: --version, global flags anywhere, clean help, subcommand texts."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from ._helpers import run

CONFIG = "providers:\n  fake:\n    type: scripted\n    default_model: m\n"


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith(f"orchestify {importlib.metadata.version('orchestify-core')} ")


@pytest.mark.parametrize(
    "args",
    [("--debug", "check", "-c", "{bad}"), ("check", "-c", "{bad}", "--debug"),
     ("check", "--debug", "-c", "{bad}")],
)  # fmt: skip
def test_debug_anywhere(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A global flag works before or after the subcommand and its options."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers: [1]\n")
    result = run(*(a.format(bad=bad) for a in args))
    assert result.returncode == 2
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("providers: expected a mapping of providers")


def test_top_level_help_is_plain_text() -> None:
    """No reStructuredText markup; every command listed with what it does."""
    result = run("--help")
    assert result.returncode == 0
    assert "``" not in result.stdout
    assert ":class:" not in result.stdout
    for command in ("plugins", "providers", "check", "complete", "demo"):
        assert f"    {command} " in result.stdout
    assert "--verbose" in result.stdout
    assert "--version" in result.stdout


@pytest.mark.parametrize("command", ["plugins", "providers", "check", "complete", "demo"])
def test_each_subcommand_has_a_description(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    description = result.stdout.split("\n\n")[1]
    assert len(description.split()) >= 8, description
    assert "``" not in result.stdout
    assert "global options (anywhere on the line)" in result.stdout


def test_complete_help_lists_call_options() -> None:
    result = run("complete", "--help")
    for option in ("--timeout", "--max-retries", "--no-fallback", "--json"):
        assert option in result.stdout


def test_no_command_prints_help_and_fails() -> None:
    result = run()
    assert result.returncode == 2
    assert "COMMAND" in result.stderr


def test_multiple_config_problems_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "providers:\n  a:\n    type: mistral\n    default_modle: m\n  b:\n    type: scripted\n"
        "    default_model: m\n    max_tokens: x\n"
    )
    result = run("check", "-c", str(bad))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"orchestify: error: {bad}:3: providers.a.type: unknown provider "
                               "type 'mistral' (installed types: ")  # fmt: skip
    assert "install the plugin that provides type 'mistral'" in lines[0]
    assert lines[1:] == [
        f"orchestify: error: {bad}:4: providers.a.default_modle: unknown key (did you mean "
        "'default_model'?)",
        f"orchestify: error: {bad}:8: providers.b.max_tokens: expected int",
    ]


def test_unknown_first_party_type_names_its_distribution(tmp_path: Path) -> None:
    """A type a first-party plugin provides, not allowed here: the hint names the real
    distribution and the folder of a clone."""
    config = tmp_path / "c.yaml"
    config.write_text("providers:\n  a:\n    type: anthropic\n    default_model: m\n")
    result = run("check", "-c", str(config), env={"ORCHESTIFY_PLUGINS": "scripted"})
    assert result.returncode == 2
    assert f"{config}:3: providers.a.type: unknown provider type 'anthropic'" in result.stderr
    assert "not allowed by ORCHESTIFY_PLUGINS='scripted'" in result.stderr
    from orchestify_core.plugins import install_hint

    assert install_hint("anthropic") == (
        "install its plugin: pip install orchestify-claude "
        "(from a clone of orchestify: pip install -e plugins/orchestify_claude)"
    )


def _child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def test_only_the_running_subcommands_module_is_imported() -> None:
    """The registry imports the module of the subcommand that runs, no other."""
    result = _child(
        "import sys; from orchestify_core.cli import main; main(['plugins', '--json']); "
        "from orchestify_core.cli import COMMANDS; "
        "print(sorted({m for m, _ in COMMANDS.values() if m in sys.modules}))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "['orchestify_core.cli._cmd_plugins']"


def test_a_listed_module_that_is_absent_is_left_out() -> None:
    """A subcommand whose module is not installed is not offered (and nothing breaks)."""
    result = _child(
        "import sys; sys.modules['orchestify_core.scaffold'] = None; "
        "from orchestify_core.cli import main; sys.exit(main(['--help']))"
    )
    assert result.returncode == 0, result.stderr
    assert "    plugin " not in result.stdout
    assert "    plugins " in result.stdout
