"""Running the clients round by round, alternated, and turning the rounds into figures.

Each *round* runs one *block* per client (N calls, or N streams) in a rotated order, so no
client always runs first, last, or right after the same neighbour. A block yields one value
per metric; a figure is the median of a client's rounds, and a comparison (``orchestify``
vs ``raw``) is the median over rounds of the per-round ratio or difference, which cancels
most of the drift of a shared, noisy machine.

The servers run in other processes (:class:`~orchestify_core.testing.servers.ServerProcess`),
so ``time.process_time()`` in this process is the CPU the client spent, and the wall time is
what a caller waits.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from orchestify_core.testing.servers import Control

from ._calls import Target, Workload, build_targets, long_stream, plain, short_stream

__all__ = [
    "COMPARISONS",
    "BenchError",
    "Server",
    "Settings",
    "alternate",
    "chunk_block",
    "plain_block",
    "run_network",
    "summarize",
    "throughput_block",
    "ttft_block",
]

Metrics = dict[str, float]
UNITS = "_units"  # what a block did (calls, chunks): the server's CPU is divided by it
CALLS = "_calls"  # calls (or streams) the block made
Series = dict[str, dict[str, list[float]]]  # target key -> metric -> one value per round

#: (client, reference) pairs compared per provider, when both ran.
COMPARISONS: tuple[tuple[str, str], ...] = (
    ("orchestify", "raw"),
    ("orchestify-sdk", "raw"),
    ("orchestify-otel", "orchestify"),
    ("litellm", "raw"),
    ("orchestify", "litellm"),
    ("raw-helper", "raw"),
    ("orchestify-litellm", "litellm"),
)

#: Metrics reported but not compared between clients.
_NOT_COMPARED = frozenset({"chunks", "server_cpu_us", "server_cpu_share", "connections_per_call"})

#: Metrics where more is better (the rest are times or costs: less is better).
HIGHER_IS_BETTER = frozenset({"calls_per_s"})


class BenchError(RuntimeError):
    """A client did not do what the benchmark asked (wrong answer, missing chunks)."""


@attrs.frozen
class Settings:
    """How much to run. ``quick()`` is the smoke-test size; the defaults are a full run."""

    rounds: int = 7
    calls: int = 300
    warmup_calls: int = 30
    ttft_streams: int = 40
    long_streams: int = 4
    chunk_count: int = 1000
    throughput_rounds: int = 3
    throughput_calls: int = 2000
    concurrency: int = 100
    startup_repeats: int = 7
    startup_warm: bool = True
    memory_warmup: int = 2000
    memory_calls: int = 10_000
    memory_concurrency: int = 10
    settle_s: float = 0.05

    @classmethod
    def quick(cls) -> Settings:
        return cls(
            rounds=1,
            calls=10,
            warmup_calls=3,
            ttft_streams=3,
            long_streams=1,
            chunk_count=100,
            throughput_rounds=1,
            throughput_calls=40,
            concurrency=10,
            startup_repeats=1,
            startup_warm=False,
            memory_warmup=50,
            memory_calls=100,
            settle_s=0.01,
        )


_STARTED = time.perf_counter()


def log(message: str) -> None:
    """A progress line on standard error, with the seconds since the suite started."""
    elapsed = time.perf_counter() - _STARTED
    print(f"[bench {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def _us(seconds: float) -> float:
    return seconds * 1e6


# --------------------------------------------------------------------------- blocks


async def plain_block(target: Target, calls: int) -> Metrics:
    """``calls`` non-streaming calls one after another: wall and CPU microseconds per call."""
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(calls):
        await target.complete()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return {
        "wall_us": _us(wall / calls),
        "cpu_us": _us(cpu / calls),
        UNITS: float(calls),
        CALLS: float(calls),
    }


async def ttft_block(target: Target, streams: int) -> Metrics:
    """Short streams one after another: the median time to the first text chunk."""
    ttfts: list[float] = []
    ttft_cpus: list[float] = []
    totals: list[float] = []
    for _ in range(streams):
        wall0 = time.perf_counter()
        cpu0 = time.process_time()
        timing = await target.stream()
        totals.append(time.perf_counter() - wall0)
        ttfts.append(timing.first_wall - wall0)
        ttft_cpus.append(timing.first_cpu - cpu0)
    return {
        "ttft_us": _us(statistics.median(ttfts)),
        "ttft_cpu_us": _us(statistics.median(ttft_cpus)),
        "stream_us": _us(statistics.median(totals)),
        UNITS: float(streams),
        CALLS: float(streams),
    }


async def chunk_block(target: Target, streams: int) -> Metrics:
    """Long streams: wall and CPU microseconds per chunk after the first (end included)."""
    wall_after_first = 0.0
    cpu_after_first = 0.0
    chunks_after_first = 0
    chunks = 0
    totals: list[float] = []
    for _ in range(streams):
        wall0 = time.perf_counter()
        timing = await target.stream()
        wall1 = time.perf_counter()
        cpu1 = time.process_time()
        if timing.chunks < 2:
            raise BenchError(f"{target!r}: {timing.chunks} chunk(s), expected a long stream")
        totals.append(wall1 - wall0)
        wall_after_first += wall1 - timing.first_wall
        cpu_after_first += cpu1 - timing.first_cpu
        chunks_after_first += timing.chunks - 1
        chunks = timing.chunks
    return {
        "chunk_wall_us": _us(wall_after_first / chunks_after_first),
        "chunk_cpu_us": _us(cpu_after_first / chunks_after_first),
        "stream_ms": statistics.median(totals) * 1e3,
        "chunks": float(chunks),
        UNITS: float(chunks_after_first + streams),
        CALLS: float(streams),
    }


@attrs.frozen
class Server:
    """A loopback server in its own process: where it listens, and how to watch it."""

    provider: str
    base_url: str
    pid: int
    control: Control | None = None

    def cpu_s(self) -> float:
        """CPU seconds the server process has run so far.

        ``/proc/<pid>/schedstat`` counts nanoseconds; the usual per-process times count
        clock ticks (10 ms), too coarse for a block of a few hundred milliseconds.
        """
        try:
            with open(f"/proc/{self.pid}/schedstat", encoding="ascii") as stat:
                return int(stat.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            import psutil  # type: ignore[import-untyped]

            times = psutil.Process(self.pid).cpu_times()
            return float(times.user + times.system)

    def connections_accepted(self) -> int | None:
        """TCP connections the server accepted so far (each control call opens one)."""
        if self.control is None:
            return None
        return int(self.control.state()["connections_accepted"])


async def throughput_block(target: Target, calls: int, concurrency: int) -> Metrics:
    """``calls`` non-streaming calls with ``concurrency`` in flight: calls per second."""
    remaining = iter(range(calls))

    async def worker() -> None:
        for _ in remaining:
            await target.complete()

    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return {
        "calls_per_s": calls / wall,
        "cpu_us": _us(cpu / calls),
        UNITS: float(calls),
        CALLS: float(calls),
    }


# --------------------------------------------------------------------------- rounds


async def _settle(seconds: float) -> None:
    """Let background work of the previous block finish (LiteLLM logs in tasks and threads)."""
    await asyncio.sleep(seconds)
    gc.collect()


async def alternate(
    targets: Sequence[Target],
    rounds: int,
    block: Callable[[Target], Awaitable[Metrics]],
    *,
    settle_s: float,
    label: str,
    servers: Mapping[str, Server] | None = None,
) -> Series:
    """Run ``block`` for every target in each round, rotating the order each round.

    With ``servers`` (by provider), each block also gets what the target's server did:
    ``server_cpu_us`` (its CPU per call or chunk), ``server_cpu_share`` (the share of a
    core it kept busy: whether the client waited on it) and ``connections_per_call`` (new
    TCP connections the client opened per call: a client that does not reuse its
    connections pays a connect, and against a real API a TLS handshake, every time).
    """
    series: Series = {target.key: {} for target in targets}
    count = len(targets)
    for number in range(rounds):
        shift = number % count if count else 0
        order = [*targets[shift:], *targets[:shift]]
        for target in order:
            await _settle(settle_s)
            server = None if servers is None else servers.get(target.provider)
            accepted0 = None if server is None else server.connections_accepted()
            server0 = 0.0 if server is None else server.cpu_s()
            wall0 = time.perf_counter()
            metrics = await block(target)
            wall = time.perf_counter() - wall0
            units = metrics.pop(UNITS, 0.0)
            calls = metrics.pop(CALLS, 0.0)
            if server is not None and units:
                busy = server.cpu_s() - server0
                metrics["server_cpu_us"] = _us(busy / units)
                metrics["server_cpu_share"] = busy / wall
                accepted1 = server.connections_accepted()
                if accepted0 is not None and accepted1 is not None and calls:
                    # The second control call's own connection is in the difference.
                    metrics["connections_per_call"] = max(accepted1 - accepted0 - 1, 0) / calls
            for name, value in metrics.items():
                series[target.key].setdefault(name, []).append(value)
        log(f"{label}: round {number + 1}/{rounds} done")
    return series


def _figure(values: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "rounds": list(values),
    }


def summarize(series: Series) -> dict[str, dict[str, Any]]:
    """Per provider and client: every metric's median/min/max, and the comparisons.

    Comparisons are per round: ``ratio`` is client/reference, ``added`` is
    client - reference (for calls_per_s: the ratio only); each is the median over rounds.
    """
    out: dict[str, dict[str, Any]] = {}
    for key, metrics in series.items():
        provider, client = key.split("/", 1)
        entry = out.setdefault(provider, {}).setdefault(client, {})
        for name, values in metrics.items():
            entry[name] = _figure(values)
    for provider, clients in out.items():
        for client, reference in COMPARISONS:
            if client not in clients or reference not in clients:
                continue
            mine = series[f"{provider}/{client}"]
            theirs = series[f"{provider}/{reference}"]
            comparison: dict[str, Any] = {}
            for name, values in mine.items():
                if name not in theirs or name in _NOT_COMPARED:
                    continue
                pairs = list(zip(values, theirs[name], strict=True))
                comparison[f"{name}_ratio"] = statistics.median(a / b for a, b in pairs if b)
                if name not in HIGHER_IS_BETTER:
                    comparison[f"{name}_added"] = statistics.median(a - b for a, b in pairs)
            clients[client][f"vs_{reference}"] = comparison
    return out


# --------------------------------------------------------------------------- sections


async def _warm_up(targets: Iterable[Target], workload: Workload, calls: int) -> None:
    """Open connections, trigger lazy imports, and check each client's answer."""
    for target in targets:
        for _ in range(calls):
            if workload.text_chunks is None:
                text = await target.complete()
                if not text:
                    raise BenchError(f"{target!r}: empty answer")
            else:
                timing = await target.stream()
                if timing.chunks < min(workload.text_chunks, 2):
                    raise BenchError(
                        f"{target!r}: {timing.chunks} text chunks, "
                        f"expected about {workload.text_chunks}"
                    )


async def _close(targets: Iterable[Target]) -> None:
    for target in targets:
        await target.aclose()


async def _section(
    servers: Mapping[str, Server],
    workload: Workload,
    *,
    streaming: bool,
    warmup: int,
    rounds: int,
    block: Callable[[Target], Awaitable[Metrics]],
    settings: Settings,
    label: str,
    prime: Callable[[Target], Awaitable[Metrics]] | None = None,
) -> dict[str, dict[str, Any]]:
    urls = {provider: server.base_url for provider, server in servers.items()}
    targets = build_targets(urls, workload, streaming=streaming)
    log(f"{label}: {', '.join(target.key for target in targets)}")
    try:
        await _warm_up(targets, workload, warmup)
        if prime is not None:  # e.g. open the connection pool a concurrent block needs
            for target in targets:
                await prime(target)
        # Everything imported and built so far (LiteLLM alone brings ~0.5 M objects) goes
        # to the permanent generation: a collection then costs what the calls allocated,
        # not a walk over every module, and lands on no client by chance.
        gc.collect()
        gc.freeze()
        series = await alternate(
            targets,
            rounds,
            block,
            settle_s=settings.settle_s,
            label=label,
            servers=servers,
        )
    finally:
        gc.unfreeze()
        await _close(targets)
    return summarize(series)


async def run_network(
    servers: Mapping[str, Server], settings: Settings, sections: Sequence[str]
) -> dict[str, Any]:
    """The sections that call the servers: per-call, streaming, throughput."""
    results: dict[str, Any] = {}
    if "per-call" in sections:
        results["per_call"] = await _section(
            servers,
            plain(),
            streaming=False,
            warmup=settings.warmup_calls,
            rounds=settings.rounds,
            block=lambda target: plain_block(target, settings.calls),
            settings=settings,
            label="per-call",
        )
    if "streaming" in sections:
        stream_warmup = max(2, settings.warmup_calls // 10)
        results["ttft"] = await _section(
            servers,
            short_stream(),
            streaming=True,
            warmup=stream_warmup,
            rounds=settings.rounds,
            block=lambda target: ttft_block(target, settings.ttft_streams),
            settings=settings,
            label="ttft",
        )
        results["chunks"] = await _section(
            servers,
            long_stream(settings.chunk_count),
            streaming=True,
            warmup=stream_warmup,
            rounds=settings.rounds,
            block=lambda target: chunk_block(target, settings.long_streams),
            settings=settings,
            label="per-chunk",
        )
        from ._stream_memory import stream_peaks

        log("stream memory: one traced stream per client")
        urls = {provider: server.base_url for provider, server in servers.items()}
        results["stream_memory"] = await stream_peaks(urls, settings.chunk_count)
    if "throughput" in sections:
        primer = min(settings.throughput_calls, 2 * settings.concurrency)
        results["throughput"] = await _section(
            servers,
            plain(),
            streaming=False,
            warmup=settings.warmup_calls,
            rounds=settings.throughput_rounds,
            block=lambda target: throughput_block(
                target, settings.throughput_calls, settings.concurrency
            ),
            settings=settings,
            label="throughput",
            prime=lambda target: throughput_block(target, primer, settings.concurrency),
        )
    return results
