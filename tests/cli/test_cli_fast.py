"""`providers` and `check` read the config and plugin metadata only: no SDK, no client, no
key needed; a missing key is a status; a literal key is warned about."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ._helpers import REPO, run

SDKS = ("anthropic", "openai", "litellm", "genai_prices", "httpx")
REAL = REPO / "examples" / "orchestify.yaml"


def _imported_by(*args: str) -> list[str]:
    """The SDK modules a command imported, run in a child interpreter through main()."""
    code = (
        "import sys; from orchestify_core.cli import main; status = main(sys.argv[1:]); "
        "import json; "
        f"print('IMPORTED', json.dumps(sorted(m for m in {SDKS!r} if m in sys.modules))); "
        "sys.exit(status)"
    )
    env_drop = {"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": None}
    import os

    env = {k: v for k, v in os.environ.items() if k not in env_drop}
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                            text=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("IMPORTED"))
    return list(json.loads(line.removeprefix("IMPORTED ")))


@pytest.mark.parametrize("command", ["providers", "check"])
def test_no_sdk_imported_and_no_key_needed(command: str) -> None:
    """Both commands work on the real-provider example with no keys set, importing no SDK."""
    assert _imported_by(command, "-c", str(REAL)) == []


def test_providers_shows_missing_keys_as_a_status() -> None:
    """An unset key variable is shown in the key column, not refused."""
    result = run("providers", "-c", str(REAL), "--json",
                 env={"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": "sk-set-here"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {row["provider_id"]: row for row in json.loads(result.stdout)}
    assert rows["claude_main"]["key"] == "$ANTHROPIC_API_KEY not set"
    assert rows["openai_main"]["key"] == "set"
    assert rows["claude_main"]["plugin"].startswith("orchestify-claude ")
    assert rows["claude_main"]["fallbacks"] == ["openai_main"]
    assert "sk-set-here" not in result.stdout


def test_check_reports_unset_keys_and_passes() -> None:
    result = run("check", "-c", str(REAL), env={"ANTHROPIC_API_KEY": None, "OPENAI_API_KEY": None})
    assert result.returncode == 0, result.stderr
    assert "claude_main: api_key not set ($ANTHROPIC_API_KEY)" in result.stdout
    assert "openai_main: api_key not set ($OPENAI_API_KEY)" in result.stdout


def test_check_warns_about_literal_keys(tmp_path: Path) -> None:
    """A key written into the file is a warning at its line; the value never shows."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "providers:\n  p:\n    type: scripted\n    default_model: m\n"
        "    api_key: sk-literal-canary-1234\n    headers: {x-api-key: literal-header-canary}\n"
        "  q:\n    type: scripted\n    default_model: m\n    api_key: ${Q_KEY:-}\n"
    )
    result = run("check", "-c", str(config))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"orchestify: warning: {config}:5: providers.p.api_key: a credential written into the "
        "file; write ${VARIABLE} and set it in the environment (the value is not shown)",
        f"orchestify: warning: {config}:6: providers.p.headers.x-api-key: a credential written "
        "into the file; write ${VARIABLE} and set it in the environment (the value is not shown)",
    ]
    assert "canary" not in result.stdout + result.stderr


def test_prices_print_without_trailing_zeros(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "providers:\n  p:\n    type: scripted\n    default_model: m\n"
        "    prices: {m: {input: 0.15000000, output: 0.6000000}}\n"
    )
    result = run("providers", "-c", str(config))
    assert result.returncode == 0, result.stderr
    assert " 0.15/0.6 " in result.stdout
