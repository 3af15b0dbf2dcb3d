"""The README's two commands are the ones CI runs, and leave the system Python alone."""

from __future__ import annotations

from ._helpers import REPO

README = (REPO / "README.md").read_text()


def _command_after(marker: str) -> str:
    lines = README.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(marker))
    return lines[index + 1].strip()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = _command_after("# 2. Run the test suite")
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_command


def test_commands_install_nothing_into_the_system_python() -> None:
    """Every pip runs from a virtual environment made by the command itself."""
    for marker in ("# 1. Set up", "# 2. Run the test suite"):
        command = _command_after(marker)
        assert command.startswith("python3 -m venv ")
        assert "python3 -m pip" not in command
        venv = command.split()[3]
        for part in command.split("&&")[1:]:
            assert part.strip().startswith(f"{venv}/bin/"), part


def test_no_install_line_names_an_unpublished_distribution_alone() -> None:
    """From a clone, the README installs paths; names are only offered as 'once published'."""
    assert "pip install orchestify-core ./plugins" not in README
    assert ".venv/bin/pip install . ./plugins/orchestify_openai" in README
    assert "Once the distributions are published" in README
