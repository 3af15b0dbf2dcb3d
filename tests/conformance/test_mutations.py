"""scripts/mutate_plugins.py, end to end on a few mutations (the whole table takes minutes:
run the script itself for it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "mutate_plugins.py"
sys.path.insert(0, str(SCRIPT.parent))

from mutations import MUTATIONS, PLUGINS  # noqa: E402


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip


def test_mutations_are_killed_and_named_by_check() -> None:
    """Two breakages of the openai plugin, each caught by the check of what it broke;
    the unmutated copy passes first (the script refuses to go on otherwise)."""
    done = _run("--plugin", "openai", "--only", "system-dropped,extra-dropped",
                "-k", "wire_system_prompt or wire_extra_body")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 2
    assert "| system-dropped" in rows[0]
    assert "| killed | test_wire_system_prompt |" in rows[0]
    assert "| extra-dropped" in rows[1]
    assert "| killed | test_wire_extra_body |" in rows[1]
    assert "Kill rate: 2/2" in done.stdout


def test_a_survivor_fails_the_script() -> None:
    """A breakage the selected checks cannot see survives, and the exit status says so."""
    done = _run("--plugin", "openai", "--only", "stop-dropped", "-k", "wire_system_prompt")
    assert done.returncode == 1
    assert "| survived |" in done.stdout
    assert "Kill rate: 0/1" in done.stdout


def test_every_plugin_has_at_least_25_applicable_mutations() -> None:
    """At least 25 breakages a caller could see; each one's text is in the plugin today (a rewritten plugin makes some stale:
    update scripts/mutations.py then)."""
    for plugin, mutations in MUTATIONS.items():
        package = ROOT / "plugins" / f"orchestify_{PLUGINS[plugin].dist}" / PLUGINS[plugin].package
        applicable = [
            m for m in mutations
            if not m.equivalent
            and (package / m.module).exists()
            and m.old in (package / m.module).read_text()
        ]  # fmt: skip
        assert len(applicable) >= 25, (
            plugin,
            sorted({m.name for m in mutations} - {m.name for m in applicable}),
        )
        assert len({m.name for m in mutations}) == len(mutations)
