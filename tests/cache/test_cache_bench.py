"""The bench's response-cache section runs and reports every case (no timing is asserted:
a shared machine makes any bound flaky)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_cache_section_reports_every_case(tmp_path: Path) -> None:
    pytest.importorskip("orchestify_openai")
    out, markdown = tmp_path / "results.json", tmp_path / "benchmarks.md"
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "bench",
        "--quick",
        "--sections",
        "cache",
        "--out",
        str(out),
        "--markdown",
        str(markdown),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    cases = json.loads(out.read_text())["cache"]["cases"]
    expected = {
        "no cache",
        "not opted in",
        "memory miss",
        "memory hit",
        "sqlite miss",
        "sqlite hit",
        "redis miss",
        "redis hit",
    }
    assert set(cases) == expected
    for name, entry in cases.items():
        for metric in ("wall_us", "cpu_us"):
            assert entry[metric] > 0, (name, metric)
            assert math.isfinite(entry[metric])
            if name != "no cache" and "hit" not in name:
                assert math.isfinite(entry[f"added_{metric}"])
    text = markdown.read_text()
    assert "## 7. Response cache" in text
    assert "| redis hit |" in text
