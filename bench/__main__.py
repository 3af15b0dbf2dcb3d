"""``python -m bench``: run the benchmark suite, write results.json and benchmarks.md."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from ._harness import Server, Settings, log, run_network
from ._report import evaluate_bars, write_json, write_markdown

__all__ = ["SECTIONS", "main", "run"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results.json"
DEFAULT_MARKDOWN = ROOT / "docs" / "benchmarks.md"
SECTIONS: tuple[str, ...] = (
    "startup", "per-call", "streaming", "throughput", "memory", "cache"
)  # fmt: skip
_DISTRIBUTIONS = (
    "orchestify-core",
    "orchestify-claude",
    "orchestify-openai",
    "orchestify-litellm",
    "anthropic",
    "openai",
    "litellm",
    "httpx",
    "aiohttp",
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="orchestify against the raw anthropic/openai SDKs and LiteLLM, "
        "on loopback servers in separate processes.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few rounds of a few calls: proves it runs"
    )
    parser.add_argument("--rounds", type=int, help="rounds of each timed section")
    parser.add_argument("--calls", type=int, help="calls per client and round (concurrency 1)")
    parser.add_argument("--throughput-calls", type=int, help="calls per concurrent block")
    parser.add_argument("--concurrency", type=int, help="calls in flight in the throughput test")
    parser.add_argument("--startup-repeats", type=int, help="fresh processes per start-up case")
    parser.add_argument("--memory-calls", type=int, help="calls after the memory warm-up")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also split orchestify's own time per call into its parts (bench._profile)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: re-evaluate the bars of a results file (rewritten in place) "
        "and rewrite the markdown from it",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON results")
    parser.add_argument(
        "--markdown", type=Path, default=DEFAULT_MARKDOWN, help="the markdown summary"
    )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.quick() if args.quick else Settings()
    changes: dict[str, Any] = {}
    if args.rounds is not None:
        changes["rounds"] = args.rounds
        changes["throughput_rounds"] = args.rounds
    for name in ("calls", "throughput_calls", "concurrency", "startup_repeats", "memory_calls"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    for name, value in changes.items():
        if value < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1")
    return attrs.evolve(settings, **changes)


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs {model}".strip()


def _command(argv: Sequence[str]) -> str:
    args = shlex.join(argv)
    if os.environ.get("NOX_CURRENT_SESSION") == "bench":
        return "nox -s bench" + (f" -- {args}" if args else "")
    return "python -m bench" + (f" {args}" if args else "")


def run(settings: Settings, sections: Sequence[str], *, profile: bool = False) -> dict[str, Any]:
    """Run the chosen sections; the results without bars and metadata."""
    from orchestify_core.testing.servers import ServerProcess

    results: dict[str, Any] = {}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if "startup" in sections:
        from ._startup import run_startup

        log("start-up: fresh processes")
        results["startup"] = run_startup(settings.startup_repeats, warm=settings.startup_warm)
        timings["startup"] = time.perf_counter() - started
    network = [name for name in ("per-call", "streaming", "throughput") if name in sections]
    if network or "memory" in sections or "cache" in sections or profile:
        with (
            ServerProcess("anthropic", record_limit=0) as anthropic_server,
            ServerProcess("openai", record_limit=0) as openai_server,
        ):
            servers = {
                process.provider: Server(
                    process.provider, process.base_url, process.pid, process.control
                )
                for process in (anthropic_server, openai_server)
            }
            if network:
                started = time.perf_counter()
                results.update(asyncio.run(run_network(servers, settings, network)))
                timings["+".join(network)] = time.perf_counter() - started
            if profile:
                from ._profile import profile_all

                log("profile: orchestify's time per call, split")
                started = time.perf_counter()
                urls = {provider: server.base_url for provider, server in servers.items()}
                calls = max(settings.calls * 5, 100)
                streams = max(settings.ttft_streams * 5, 20)
                results["profile"] = asyncio.run(
                    profile_all(
                        urls,
                        calls=calls,
                        streams=streams,
                        warmup=min(200, max(settings.warmup_calls * 4, 20)),
                    )
                )
                timings["profile"] = time.perf_counter() - started
            if "cache" in sections:
                from ._cache import run_cache

                started = time.perf_counter()
                results["cache"] = asyncio.run(run_cache(servers["openai"].base_url, settings))
                timings["cache"] = time.perf_counter() - started
            if "memory" in sections:
                from ._calls import available_clients
                from ._memory import run_memory

                usable = {
                    provider: server.base_url
                    for provider, server in servers.items()
                    if "orchestify" in available_clients(provider, streaming=False)
                }
                if usable:
                    log(f"memory: {settings.memory_calls} calls in a child process")
                    started = time.perf_counter()
                    results["memory"] = run_memory(
                        usable,
                        warmup=settings.memory_warmup,
                        calls=settings.memory_calls,
                        concurrency=settings.memory_concurrency,
                    )
                    timings["memory"] = time.perf_counter() - started
    results["section_s"] = timings
    return results


def _rerender(args: argparse.Namespace) -> int:
    """Rewrite the outputs of an earlier run (new bars or layout, edited findings)."""
    results: dict[str, Any] = json.loads(args.from_json.read_text(encoding="utf-8"))
    results["bars"] = [attrs.asdict(bar) for bar in evaluate_bars(results)]
    write_json(results, args.from_json)
    write_markdown(results, args.markdown)
    log(f"re-rendered {args.markdown} from {args.from_json}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.from_json is not None:
        return _rerender(args)
    settings = _settings(args)
    sections = [name.strip() for name in args.sections.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    measured = run(settings, sections, profile=args.profile)
    results: dict[str, Any] = {
        "meta": {
            "command": _command(argv),
            "date": date,
            "versions": _versions(),
            "machine": _machine(),
            "sections": sections,
            "elapsed_s": time.perf_counter() - started,
            "section_s": measured.pop("section_s"),
        },
        "settings": attrs.asdict(settings),
        **measured,
    }
    results["bars"] = [attrs.asdict(bar) for bar in evaluate_bars(results)]
    write_json(results, args.out)
    write_markdown(results, args.markdown)
    log(f"wrote {args.out} and {args.markdown}")
    for bar in results["bars"]:
        figure = bar["figure"]
        shown = f"{figure:.4g}" if isinstance(figure, float) else str(figure)
        log(f"{bar['verdict']:>12}  {bar['title']}: {shown} {bar['unit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
