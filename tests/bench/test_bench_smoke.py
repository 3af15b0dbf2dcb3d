"""The benchmark suite runs end to end (``python -m bench --quick``) and reports every figure.

No timing is asserted: a shared machine makes any bound flaky. What is asserted is that every
client available here produced every metric as a positive, finite number, that every bar got
a verdict, and that the JSON and the markdown summary were written where they were asked to.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

SECTION_METRICS: Mapping[str, tuple[str, ...]] = {
    "per_call": ("wall_us", "cpu_us", "server_cpu_us"),
    "ttft": ("ttft_us", "ttft_cpu_us", "stream_us"),
    "chunks": ("chunk_wall_us", "chunk_cpu_us", "stream_ms", "chunks"),
    "throughput": ("calls_per_s", "cpu_us", "server_cpu_share"),
}
STREAMING = frozenset({"ttft", "chunks"})


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, Path]:
    out_dir = tmp_path_factory.mktemp("bench")
    out, markdown = out_dir / "results.json", out_dir / "benchmarks.md"
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--profile",
            "--out",
            str(out),
            "--markdown",
            str(markdown),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(out.read_text(encoding="utf-8")), out, markdown


def test_outputs_are_written_where_asked(run: tuple[dict[str, Any], Path, Path]) -> None:
    results, out, markdown = run
    assert out.is_file()
    assert markdown.is_file()
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert results["meta"]["command"] in text
    for heading in ("## Bars", "## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## Findings"):
        assert heading in text


def test_metadata(run: tuple[dict[str, Any], Path, Path]) -> None:
    results, _, _ = run
    meta = results["meta"]
    assert meta["command"].startswith(("python -m bench --quick", "nox -s bench -- --quick"))
    for name in ("python", "anthropic", "openai", "litellm", "orchestify-core"):
        assert meta["versions"][name]
    assert meta["date"]
    assert results["settings"]["rounds"] >= 1


@pytest.mark.parametrize("section", sorted(SECTION_METRICS))
def test_every_client_produced_every_figure(
    run: tuple[dict[str, Any], Path, Path], section: str
) -> None:
    from bench._calls import PROVIDERS, available_clients

    results, _, _ = run
    data = results[section]
    for provider in PROVIDERS:
        expected = available_clients(provider, streaming=section in STREAMING)
        assert "raw" in expected
        assert sorted(data[provider]) == sorted(expected)
        for client in expected:
            entry = data[provider][client]
            for metric in SECTION_METRICS[section]:
                figure = entry[metric]
                for key in ("median", "min", "max"):
                    assert _positive(figure[key]), (provider, client, metric, key, figure)
                assert figure["rounds"]
                assert all(_positive(value) for value in figure["rounds"])
            for reference in ("raw", "litellm"):
                if client == reference or reference not in expected:
                    continue
                comparison = entry.get(f"vs_{reference}")
                if comparison is None:  # not every pair is compared (litellm vs raw-helper)
                    continue
                assert comparison
                for name, value in comparison.items():
                    if name.endswith("_ratio"):
                        assert _positive(value), (provider, client, reference, name)
                    else:
                        assert _finite(value), (provider, client, reference, name)
        if "orchestify" in expected:
            assert data[provider]["orchestify"]["vs_raw"]


def test_streams_delivered_every_chunk(run: tuple[dict[str, Any], Path, Path]) -> None:
    results, _, _ = run
    chunk_count = results["settings"]["chunk_count"]
    for provider, clients in results["chunks"].items():
        for client, entry in clients.items():
            assert entry["chunks"]["median"] == chunk_count, (provider, client)


def test_startup_figures(run: tuple[dict[str, Any], Path, Path]) -> None:
    results, _, _ = run
    startup = results["startup"]
    cases = startup["cases"]
    assert {"bare", "core", "openai", "anthropic", "litellm"} <= set(cases)
    for name, case in cases.items():
        assert _positive(case["wall_ms"]["median"]), name
        assert _positive(case["peak_rss_mb"]), name
        assert case["inner_ms"] >= 0, name
        assert isinstance(case["sdks_imported"], list)
    assert cases["bare"]["sdks_imported"] == []
    assert cases["core"]["sdks_imported"] == []
    assert "litellm" in cases["litellm"]["sdks_imported"]
    assert startup["derived"]
    assert all(_finite(value) for value in startup["derived"].values())
    assert _positive(startup["derived"]["core_over_bare_ms"])
    if "registry-openai" in cases:
        assert "openai" in cases["registry-openai"]["sdks_imported"]
        assert cases["registry-openai"]["result"] == ["gpt"]


def test_memory_figures(run: tuple[dict[str, Any], Path, Path]) -> None:
    results, _, _ = run
    memory = results["memory"]
    assert memory["calls"] == results["settings"]["memory_calls"]
    assert _positive(memory["rss_after_warmup_mb"])
    assert _positive(memory["rss_after_calls_mb"])
    assert _finite(memory["rss_delta_mb"])
    assert _finite(memory["gc_objects_delta"])
    assert len(memory["checkpoints"]) == 5
    assert all(_positive(point["rss_mb"]) for point in memory["checkpoints"])


def test_profile_split(run: tuple[dict[str, Any], Path, Path]) -> None:
    from bench._calls import PROVIDERS, available_clients

    results, _, _ = run
    splits = results["profile"]
    profiled = [p for p in PROVIDERS if "orchestify" in available_clients(p, streaming=False)]
    assert sorted({split["provider"] for split in splits}) == sorted(profiled)
    for split in splits:
        assert _positive(split["total_us"]), split
        assert _positive(split["sdk_us"]), split
        assert _finite(split["layer_us"]), split
        assert _finite(split["rest_us"]), split
        assert split["parts_us"]
        assert all(_positive(value) for value in split["parts_us"].values()), split


def test_every_bar_has_a_verdict(run: tuple[dict[str, Any], Path, Path]) -> None:
    import importlib.util

    results, _, _ = run
    bars = results["bars"]
    assert len({bar["id"] for bar in bars}) == len(bars)
    cli_missing = importlib.util.find_spec("orchestify_core.cli") is None
    for bar in bars:
        if bar["id"] == "plugins-cli-sdks" and cli_missing:
            assert bar["verdict"] == "not measured"
            continue
        assert bar["verdict"] in ("met", "missed"), bar
        figure = bar["figure"]
        assert isinstance(figure, str) or _finite(figure), bar
