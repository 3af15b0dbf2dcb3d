"""Memory: does the RSS of a process making orchestify calls grow with the number of calls?

Runs in a child process of its own (``python -m bench._memory``) that imports orchestify and
its plugins but neither LiteLLM nor the benchmark's other clients, so the figures are
orchestify's alone. The child builds one provider per server type (and a second one whose
server streams ten chunks), warms up, then makes ``calls`` more calls, three non-streaming
for one stream, alternating the providers, ``concurrency`` at a time. It samples the RSS
(after a full garbage collection) and the number of objects the collector tracks after the
warm-up and at five checkpoints, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "run_memory"]

#: Growth of the RSS still counted as noise (allocator arenas, socket buffers), in MB.
NOISE_MB = 2.0

_ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    import psutil  # type: ignore[import-untyped]

    return float(psutil.Process().memory_info().rss) / (1024 * 1024)


def _sample() -> dict[str, float]:
    gc.collect()
    return {"rss_mb": _rss_mb(), "gc_objects": float(len(gc.get_objects()))}


async def _measure(servers: Mapping[str, str], warmup: int, calls: int, concurrency: int) -> Any:
    from ._calls import Orchestify, plain, short_stream

    plain_targets = [Orchestify(p, url, plain()) for p, url in servers.items()]
    stream_targets = [Orchestify(p, url, short_stream()) for p, url in servers.items()]
    count = len(plain_targets)

    async def one(number: int) -> None:
        index = number % count
        if number % 4 == 3:
            await stream_targets[index].stream()
        else:
            await plain_targets[index].complete()

    async def run(total: int, offset: int) -> None:
        numbers = iter(range(offset, offset + total))

        async def worker() -> None:
            for number in numbers:
                await one(number)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    try:
        await run(warmup, 0)
        baseline = _sample()
        checkpoints: list[dict[str, float]] = []
        step = max(calls // 5, 1)
        done = 0
        while done < calls:
            batch = min(step, calls - done)
            await run(batch, warmup + done)
            done += batch
            checkpoints.append({"calls": float(done), **_sample()})
    finally:
        for target in (*plain_targets, *stream_targets):
            await target.aclose()
    final = checkpoints[-1]
    middle = checkpoints[(len(checkpoints) - 1) // 2] if len(checkpoints) > 1 else baseline
    middle_calls = middle.get("calls", 0.0)
    return {
        "providers": sorted(servers),
        "warmup_calls": warmup,
        "calls": calls,
        "streamed_share": 0.25,
        "concurrency": concurrency,
        "rss_after_warmup_mb": baseline["rss_mb"],
        "rss_after_calls_mb": final["rss_mb"],
        "rss_delta_mb": final["rss_mb"] - baseline["rss_mb"],
        "rss_peak_delta_mb": max(c["rss_mb"] for c in checkpoints) - baseline["rss_mb"],
        # A leak grows steadily; a cache or the allocator settles: the second half tells.
        "rss_late_growth_mb": final["rss_mb"] - middle["rss_mb"],
        "rss_late_growth_calls": int(final["calls"] - middle_calls),
        "gc_objects_delta": final["gc_objects"] - baseline["gc_objects"],
        "checkpoints": checkpoints,
        "noise_mb": NOISE_MB,
    }


def run_memory(
    servers: Mapping[str, str], *, warmup: int, calls: int, concurrency: int
) -> dict[str, Any]:
    """Run the measurement in a child process; its JSON report."""
    command = [
        sys.executable,
        "-m",
        "bench._memory",
        "--warmup",
        str(warmup),
        "--calls",
        str(calls),
        "--concurrency",
        str(concurrency),
    ]
    for provider, url in servers.items():
        command += ["--server", f"{provider}={url}"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"the memory benchmark failed: {done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._memory")
    parser.add_argument("--server", action="append", default=[], help="provider=base_url")
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args(argv)
    servers = dict(item.split("=", 1) for item in args.server)
    if not servers:
        parser.error("give at least one --server provider=base_url")
    report = asyncio.run(_measure(servers, args.warmup, args.calls, args.concurrency))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
