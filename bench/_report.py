"""The bars, their verdicts, and the two outputs: ``results.json`` and ``benchmarks.md``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ._calls import CLIENTS, PROVIDERS

__all__ = ["Bar", "evaluate_bars", "render_markdown", "write_json", "write_markdown"]

MET = "met"
MISSED = "missed"
NOT_MEASURED = "not measured"

FINDINGS_START = "<!-- findings:start -->"
FINDINGS_END = "<!-- findings:end -->"
_NO_FINDINGS = "_No findings recorded for this run._"


@attrs.frozen
class Bar:
    """One target the project set itself, and how this run did against it."""

    id: str
    title: str
    threshold: str
    figure: float | str | None
    unit: str
    verdict: str
    detail: str = ""


def _get(data: Mapping[str, Any], *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return NOT_MEASURED
    return MET if ok else MISSED


def _pct(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.1f} %"


def _overhead_bars(results: Mapping[str, Any], provider: str) -> list[Bar]:
    bars: list[Bar] = []
    vs_raw = _get(results, "per_call", provider, "orchestify", "vs_raw")
    for metric, word in (("wall_us", "wall"), ("cpu_us", "CPU")):
        ratio = _get(vs_raw or {}, f"{metric}_ratio")
        added = _get(vs_raw or {}, f"{metric}_added")
        ok = None if ratio is None else (ratio <= 1.05 and added <= 100.0)
        bars.append(
            Bar(
                id=f"per-call-{word.lower()}-{provider}",
                title=f"{provider}: added {word} time per call vs the raw SDK (concurrency 1)",
                threshold="<= 5 % and <= 100 us",
                figure=added,
                unit="us",
                verdict=_verdict(ok),
                detail="" if ratio is None else f"ratio {ratio:.3f} ({_pct(ratio)})",
            )
        )
    chunk = _get(results, "chunks", provider, "orchestify", "vs_raw")
    for metric, word in (("chunk_wall_us", "wall"), ("chunk_cpu_us", "CPU")):
        added = _get(chunk or {}, f"{metric}_added")
        ratio = _get(chunk or {}, f"{metric}_ratio")
        bars.append(
            Bar(
                id=f"per-chunk-{word.lower()}-{provider}",
                title=f"{provider}: added {word} time per chunk vs the raw SDK stream",
                threshold="<= 5 us",
                figure=added,
                unit="us",
                verdict=_verdict(None if added is None else added <= 5.0),
                detail="" if ratio is None else f"ratio {ratio:.3f}",
            )
        )
    ttft = _get(results, "ttft", provider, "orchestify", "vs_raw", "ttft_us_added")
    ttft_ratio = _get(results, "ttft", provider, "orchestify", "vs_raw", "ttft_us_ratio")
    bars.append(
        Bar(
            id=f"ttft-{provider}",
            title=f"{provider}: added time to first token vs the raw SDK stream",
            threshold="<= 500 us",
            figure=ttft,
            unit="us",
            verdict=_verdict(None if ttft is None else ttft <= 500.0),
            detail="" if ttft_ratio is None else f"ratio {ttft_ratio:.3f}",
        )
    )
    throughput = _get(results, "throughput", provider, "orchestify", "vs_raw", "calls_per_s_ratio")
    bars.append(
        Bar(
            id=f"throughput-{provider}",
            title=f"{provider}: throughput at concurrency 100, orchestify / raw SDK",
            threshold=">= 0.90",
            figure=throughput,
            unit="x",
            verdict=_verdict(None if throughput is None else throughput >= 0.9),
        )
    )
    return bars


def _litellm_bars(results: Mapping[str, Any], provider: str) -> list[Bar]:
    checks: list[tuple[str, tuple[str, ...], str, bool]] = [
        (
            "per-call",
            ("per_call", provider, "orchestify", "vs_litellm", "wall_us_ratio"),
            "per-call wall time",
            False,
        ),
        (
            "ttft",
            ("ttft", provider, "orchestify", "vs_litellm", "ttft_us_ratio"),
            "time to first token",
            False,
        ),
        (
            "per-chunk",
            ("chunks", provider, "orchestify", "vs_litellm", "chunk_wall_us_ratio"),
            "wall time per chunk",
            False,
        ),
        (
            "throughput",
            ("throughput", provider, "orchestify", "vs_litellm", "calls_per_s_ratio"),
            "throughput at concurrency 100",
            True,
        ),
    ]
    bars = []
    for name, path, what, higher in checks:
        ratio = _get(results, *path)
        ok = None if ratio is None else (ratio > 1.0 if higher else ratio < 1.0)
        bars.append(
            Bar(
                id=f"vs-litellm-{name}-{provider}",
                title=f"{provider}: faster than LiteLLM, {what} (orchestify / LiteLLM)",
                threshold="> 1" if higher else "< 1",
                figure=ratio,
                unit="x",
                verdict=_verdict(ok),
            )
        )
    return bars


def _startup_bars(results: Mapping[str, Any]) -> list[Bar]:
    derived = _get(results, "startup", "derived") or {}
    cases = _get(results, "startup", "cases") or {}
    bars = []
    core = derived.get("core_over_bare_ms")
    bars.append(
        Bar(
            id="import-core",
            title="import orchestify_core, over bare python",
            threshold="<= 100 ms",
            figure=core,
            unit="ms",
            verdict=_verdict(None if core is None else core <= 100.0),
        )
    )
    registry = cases.get("registry-openai")
    imported = None if registry is None else registry["sdks_imported"]
    foreign = None if imported is None else [m for m in imported if m != "openai"]
    bars.append(
        Bar(
            id="registry-openai-sdks",
            title="registry from an openai-only config: other SDKs imported",
            threshold="neither anthropic nor litellm",
            figure=None if imported is None else ", ".join(imported) or "none",
            unit="",
            verdict=_verdict(None if foreign is None else not foreign),
        )
    )
    over = derived.get("registry-openai_over_openai_import_ms")
    over_client = derived.get("registry-openai_over_openai_client_ms")
    detail = ""
    if registry is not None:
        detail = (
            f"registry {registry['wall_ms']['median']:.0f} ms, "
            f"import openai {cases['openai']['wall_ms']['median']:.0f} ms"
        )
        if over_client is not None:
            detail += f"; over import openai + AsyncOpenAI(): {over_client:+.0f} ms"
    bars.append(
        Bar(
            id="registry-openai-time",
            title="registry from an openai-only config, over `import openai`",
            threshold="<= 50 ms",
            figure=over,
            unit="ms",
            verdict=_verdict(None if over is None else over <= 50.0),
            detail=detail,
        )
    )
    cli = cases.get("plugins-cli")
    cli_sdks = None if cli is None else cli["sdks_imported"]
    bars.append(
        Bar(
            id="plugins-cli-sdks",
            title="`orchestify plugins`: SDKs imported",
            threshold="none",
            figure=None if cli_sdks is None else ", ".join(cli_sdks) or "none",
            unit="",
            verdict=_verdict(None if cli_sdks is None else not cli_sdks),
            detail="" if cli is not None else "orchestify_core.cli is not there yet",
        )
    )
    return bars


def _memory_bar(results: Mapping[str, Any]) -> Bar:
    memory = _get(results, "memory")
    delta = None if memory is None else memory.get("rss_delta_mb")
    noise = 2.0 if memory is None else memory.get("noise_mb", 2.0)
    calls = None if memory is None else memory.get("calls")
    return Bar(
        id="memory-growth",
        title=f"RSS growth over {calls or 'N'} further orchestify calls (streams mixed in)",
        threshold=f"<= {noise:g} MB (noise)",
        figure=delta,
        unit="MB",
        verdict=_verdict(None if delta is None else delta <= noise),
        detail="" if memory is None else f"gc-tracked objects {memory['gc_objects_delta']:+.0f}",
    )


def _connection_bars(results: Mapping[str, Any], provider: str) -> list[Bar]:
    """An extra check: orchestify reuses its connections, as the raw SDK does."""
    bars = []
    for section, what in (("per_call", "calls"), ("ttft", "streams")):
        mine = _get(results, section, provider, "orchestify", "connections_per_call", "median")
        raw = _get(results, section, provider, "raw", "connections_per_call", "median")
        bars.append(
            Bar(
                id=f"connections-{section.replace('_', '-')}-{provider}",
                title=f"{provider}: new TCP connections per call, {what} (extra check)",
                threshold="<= the raw SDK's (~0)",
                figure=mine,
                unit="",
                verdict=_verdict(None if mine is None or raw is None else mine <= raw + 0.01),
                detail="" if raw is None else f"raw SDK {raw:.2f}",
            )
        )
    return bars


#: The per-chunk ratio (orchestify / raw SDK) each provider's fast path must stay under.
_CHUNK_RATIO_BARS = {"openai": 0.5, "anthropic": 0.8}


def _ratio_bar(
    results: Mapping[str, Any],
    path: tuple[str, ...],
    title: str,
    limit: float,
    *,
    at_least: bool = False,
) -> Bar:
    ratio = _get(results, *path)
    ok = None if ratio is None else (ratio >= limit if at_least else ratio <= limit)
    return Bar(
        id="fast-" + "-".join(path),
        title=title,
        threshold=(">= " if at_least else "<= ") + f"{limit:.2f} x",
        figure=ratio,
        unit="x",
        verdict=_verdict(ok),
    )


def _fastpath_bars(results: Mapping[str, Any], provider: str) -> list[Bar]:
    """The bars of decoding the wire in the plugins: orchestify cheaper than the raw SDK."""
    chunk_limit = _CHUNK_RATIO_BARS[provider]
    bars = [
        _ratio_bar(
            results,
            ("chunks", provider, "orchestify", "vs_raw", f"chunk_{m}_us_ratio"),
            f"{provider}: {w} per chunk, orchestify / raw SDK",
            chunk_limit,
        )
        for m, w in (("cpu", "client CPU"), ("wall", "wall time"))
    ]
    bars += [
        _ratio_bar(
            results,
            ("per_call", provider, "orchestify", "vs_raw", f"{m}_us_ratio"),
            f"{provider}: {w} per non-streaming call, orchestify / raw SDK",
            1.0,
        )
        for m, w in (("cpu", "client CPU"), ("wall", "wall time"))
    ]
    bars.append(
        _ratio_bar(
            results,
            ("ttft", provider, "orchestify", "vs_raw", "ttft_us_ratio"),
            f"{provider}: time to first token, orchestify / raw SDK",
            1.0,
        )
    )
    bars.append(
        _ratio_bar(
            results,
            ("throughput", provider, "orchestify", "vs_raw", "calls_per_s_ratio"),
            f"{provider}: throughput at concurrency 100, orchestify / raw SDK",
            1.0,
            at_least=True,
        )
    )
    return bars


def evaluate_bars(results: Mapping[str, Any]) -> list[Bar]:
    """Every bar with this run's figure and verdict (``not measured`` when absent)."""
    bars: list[Bar] = []
    for provider in PROVIDERS:
        bars += _overhead_bars(results, provider)
    for provider in PROVIDERS:
        bars += _fastpath_bars(results, provider)
    for provider in PROVIDERS:
        bars += _litellm_bars(results, provider)
    bars += _startup_bars(results)
    bars.append(_memory_bar(results))
    for provider in PROVIDERS:
        bars += _connection_bars(results, provider)
    return bars


# --------------------------------------------------------------------------- JSON


def write_json(results: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- markdown


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def _ratio(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _clients_of(section: Mapping[str, Any]) -> list[str]:
    return [client for client in CLIENTS if client in section]


def _comparison_cells(
    entry: Mapping[str, Any], metric: str, references: Sequence[str]
) -> list[str]:
    cells = []
    for reference in references:
        comparison = entry.get(f"vs_{reference}") or {}
        ratio = comparison.get(f"{metric}_ratio")
        added = comparison.get(f"{metric}_added")
        if ratio is None:
            cells.append("-")
        elif added is None:
            cells.append(f"{ratio:.3f}")
        else:
            cells.append(f"{ratio:.3f} ({added:+,.1f})")
    return cells


def _section_table(
    section: Mapping[str, Any] | None,
    columns: Sequence[tuple[str, str, Callable[[Any], str]]],
    compare: str,
    compare_label: str,
) -> list[str]:
    if not section:
        return ["_Not measured in this run._"]
    header = ["provider", "client", *(label for _, label, _ in columns)]
    header += [f"{compare_label} vs raw", f"{compare_label} vs LiteLLM"]
    rows = []
    for provider in PROVIDERS:
        clients = section.get(provider) or {}
        for client in _clients_of(clients):
            entry = clients[client]
            cells = [provider, f"`{client}`"]
            cells += [fmt(_get(entry, metric, "median")) for metric, _, fmt in columns]
            cells += _comparison_cells(entry, compare, ("raw", "litellm"))
            rows.append(cells)
    return _table(header, rows)


def _telemetry_table(results: Mapping[str, Any]) -> list[str]:
    """What orchestify-otel (a span per call and per attempt, the GenAI metrics, through
    the OpenTelemetry SDK) adds to orchestify, per call, per stream's first token and per
    chunk: the medians of the per-round differences, in microseconds."""
    rows = []
    for provider in ("anthropic", "openai"):
        cells = [
            _get(results, section, provider, "orchestify-otel", "vs_orchestify", metric)
            for section, metric in (
                ("per_call", "wall_us_added"),
                ("ttft", "ttft_us_added"),
                ("chunks", "chunk_wall_us_added"),
            )
        ]
        if any(cell is not None for cell in cells):
            rows.append([provider, *(_num(cell) for cell in cells)])
    if not rows:
        return ["Not measured (orchestify-otel and opentelemetry-sdk are not installed)."]
    header = ["provider", "added per call (us)", "added to first token (us)", "per chunk (us)"]
    return [
        "orchestify with orchestify-otel on, against orchestify alone (`orchestify-otel` "
        "rows above): a span per call and per attempt and the GenAI client metrics, "
        "through the OpenTelemetry SDK with a batch span processor.",
        "",
        *_table(header, rows),
    ]


def _memory_table(section: Mapping[str, Any] | None) -> list[str]:
    if not section:
        return ["_Not measured in this run._"]
    rows = []
    for provider in PROVIDERS:
        clients = section.get(provider) or {}
        raw = _get(clients, "raw", "peak_kib")
        for client in _clients_of(clients):
            peak = clients[client]["peak_kib"]
            versus = "-" if client == "raw" or not raw else f"{peak / raw:.2f}"
            rows.append([provider, f"`{client}`", _num(peak), versus])
    return _table(["provider", "client", "peak per stream (KiB)", "vs raw"], rows)


def _bars_table(bars: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for bar in bars:
        figure = bar["figure"]
        shown = figure if isinstance(figure, str) or figure is None else f"{figure:,.3g}"
        unit = f" {bar['unit']}" if bar["unit"] and figure is not None else ""
        verdict = bar["verdict"]
        mark = {"met": "**met**", "missed": "**MISSED**"}.get(verdict, verdict)
        rows.append(
            [bar["title"], f"{_num(shown)}{unit}", bar["threshold"], mark, bar["detail"] or ""]
        )
    return _table(["bar", "figure", "threshold", "verdict", "detail"], rows)


def _startup_table(startup: Mapping[str, Any] | None) -> list[str]:
    if not startup:
        return ["_Not measured in this run._"]
    rows = []
    derived = startup.get("derived", {})
    for name, case in startup["cases"].items():
        over = derived.get(f"{name}_over_bare_ms")
        rows.append(
            [
                f"`{case['description']}`",
                _num(case["wall_ms"]["median"]),
                _num(over) if name != "bare" else "-",
                _num(case["inner_ms"]),
                _num(case["peak_rss_mb"]),
                ", ".join(case["sdks_imported"]) or "none",
            ]
        )
    lines = _table(
        [
            "case",
            "process wall (ms)",
            "over bare python (ms)",
            "payload alone (ms)",
            "peak RSS (MB)",
            "SDKs in sys.modules",
        ],
        rows,
    )
    lines.append("")
    lines.append(f"Median of {startup['repeats']} fresh processes per case, run round-robin.")
    return lines


def _memory_lines(memory: Mapping[str, Any] | None) -> list[str]:
    if not memory:
        return ["_Not measured in this run._"]
    rows = [
        ["after warm-up", "0", _num(memory["rss_after_warmup_mb"]), "-"],
    ]
    for checkpoint in memory["checkpoints"]:
        rows.append(
            [
                f"+{checkpoint['calls']:,.0f} calls",
                _num(checkpoint["calls"], 0),
                _num(checkpoint["rss_mb"]),
                "",
            ]
        )
    rows[-1][3] = f"{memory['gc_objects_delta']:+,.0f}"
    lines = _table(["point", "calls", "RSS (MB)", "gc-tracked objects vs warm-up"], rows)
    lines += [
        "",
        f"RSS delta {memory['rss_delta_mb']:+.2f} MB after {memory['calls']:,} calls, "
        f"{memory['rss_late_growth_mb']:+.2f} MB over the last "
        f"{memory['rss_late_growth_calls']:,} of them "
        f"({memory['warmup_calls']:,} warm-up calls first; providers "
        f"{', '.join(memory['providers'])}; one call in four streamed; "
        f"{memory['concurrency']} in flight).",
    ]
    return lines


def _profile_lines(splits: Sequence[Mapping[str, Any]] | None) -> list[str]:
    if not splits:
        return []
    lines = [
        "## 6. Where orchestify's time goes",
        "",
        "From `python -m bench --profile` (or `python -m bench._profile`): the layer's "
        "functions timed in place, per call (per ten-chunk stream); `rest` is what the "
        "timers do not cover (the retry and failover loops, the plugin's glue around the SDK "
        "call, the generator layers of a stream, attribute copies).",
        "",
    ]
    for split in splits:
        lines.append(
            f"**{split['provider']}, {split['kind']}**: total {split['total_us']:,.1f} us, "
            f"SDK {split['sdk_us']:,.1f} us, orchestify {split['layer_us']:,.1f} us"
        )
        lines.append("")
        rows = [[f"`{label}`", _num(spent)] for label, spent in split["parts_us"].items()]
        rows.append(["rest", _num(split["rest_us"])])
        lines += _table(["part", "us per call"], rows)
        lines.append("")
    return lines


def _cache_lines(section: Mapping[str, Any] | None) -> list[str]:
    from ._cache import markdown_lines

    return markdown_lines(section)


def _meta_lines(results: Mapping[str, Any]) -> list[str]:
    meta = results["meta"]
    versions = ", ".join(f"{name} {version}" for name, version in meta["versions"].items())
    return [
        f"- Command: `{meta['command']}`",
        f"- Date: {meta['date']}",
        f"- Versions: {versions}",
        f"- Machine: {meta['machine']}",
        f"- Run time: {meta['elapsed_s']:.0f} s",
    ]


def render_markdown(results: Mapping[str, Any], findings: str | None = None) -> str:
    """The summary document; ``findings`` is kept as it is between its markers."""
    settings = results["settings"]
    bars = results["bars"]
    missed = sum(1 for bar in bars if bar["verdict"] == MISSED)
    met = sum(1 for bar in bars if bar["verdict"] == MET)
    lines = [
        "# Benchmarks",
        "",
        "What orchestify's layer adds on top of the raw `anthropic` and `openai` SDKs, and how",
        "it compares with LiteLLM. Reproduce with `nox -s bench` (core and every plugin",
        "installed), or `python -m bench` in a development environment; `python -m bench "
        "--help` lists the options.",
        "",
        *_meta_lines(results),
        "",
        f"**{met} bars met, {missed} missed, {len(bars) - met - missed} not measured.**",
        "",
        "## Bars",
        "",
        *_bars_table(bars),
        "",
        f"## 1. Non-streaming calls, concurrency 1 ({settings['calls']} calls per round, "
        f"{settings['rounds']} rounds)",
        "",
        "Microseconds per call, the median of the rounds. The comparison columns are the "
        "median over rounds of the per-round ratio, with the added microseconds (wall) in "
        "brackets.",
        "",
        *_section_table(
            results.get("per_call"),
            [
                ("wall_us", "wall (us/call)", _num),
                ("cpu_us", "client CPU (us/call)", _num),
                ("server_cpu_us", "server CPU (us/call)", _num),
                ("connections_per_call", "new connections per call", lambda v: _num(v, 2)),
            ],
            "wall_us",
            "wall",
        ),
        "",
        "Client CPU per call, compared:",
        "",
        *_section_table(
            results.get("per_call"),
            [("cpu_us", "client CPU (us/call)", _num)],
            "cpu_us",
            "CPU",
        ),
        "",
        f"## 2. Streaming ({settings['rounds']} rounds)",
        "",
        f"### Time to first token ({settings['ttft_streams']} ten-chunk streams per round)",
        "",
        *_section_table(
            results.get("ttft"),
            [
                ("ttft_us", "TTFT (us)", _num),
                ("ttft_cpu_us", "client CPU to first token (us)", _num),
                ("stream_us", "whole stream (us)", _num),
                ("connections_per_call", "new connections per stream", lambda v: _num(v, 2)),
            ],
            "ttft_us",
            "TTFT",
        ),
        "",
        f"### Cost per chunk ({settings['long_streams']} streams of "
        f"{settings['chunk_count']:,} chunks per round)",
        "",
        "Time from the first text chunk to the end of the stream, divided by the chunks "
        "after the first (the end of the stream, its usage and the assembled response "
        "included).",
        "",
        *_section_table(
            results.get("chunks"),
            [
                ("chunk_wall_us", "wall (us/chunk)", lambda v: _num(v, 2)),
                ("chunk_cpu_us", "client CPU (us/chunk)", lambda v: _num(v, 2)),
                ("server_cpu_us", "server CPU (us/chunk)", lambda v: _num(v, 2)),
                ("stream_ms", "whole stream (ms)", _num),
            ],
            "chunk_wall_us",
            "wall/chunk",
        ),
        "",
        "Per-chunk client CPU, compared:",
        "",
        *_section_table(
            results.get("chunks"),
            [("chunk_cpu_us", "client CPU (us/chunk)", lambda v: _num(v, 2))],
            "chunk_cpu_us",
            "CPU/chunk",
        ),
        "",
        "### Peak memory per stream",
        "",
        "One stream of the per-chunk workload per client, traced with tracemalloc: the peak "
        "of Python allocations during the stream above what was allocated before it.",
        "",
        *_memory_table(results.get("stream_memory")),
        "",
        "### Telemetry",
        "",
        *_telemetry_table(results),
        "",
        f"## 3. Throughput at concurrency {settings['concurrency']} "
        f"({settings['throughput_calls']:,} calls per round, "
        f"{settings['throughput_rounds']} rounds)",
        "",
        *_section_table(
            results.get("throughput"),
            [
                ("calls_per_s", "calls/s", lambda v: _num(v, 0)),
                ("cpu_us", "client CPU (us/call)", _num),
                ("server_cpu_share", "servers' CPU (cores)", lambda v: _num(v, 2)),
            ],
            "calls_per_s",
            "calls/s",
        ),
        "",
        "## 4. Start-up",
        "",
        *_startup_table(results.get("startup")),
        "",
        "## 5. Memory",
        "",
        *_memory_lines(results.get("memory")),
        "",
        *_profile_lines(results.get("profile")),
        *_cache_lines(results.get("cache")),
        "## Findings",
        "",
        FINDINGS_START,
        (findings or _NO_FINDINGS).strip(),
        FINDINGS_END,
        "",
        "## Method",
        "",
        *_METHOD,
        "",
    ]
    return "\n".join(lines)


_METHOD = [
    "- The Anthropic and OpenAI loopback servers (`orchestify_core.testing.servers`) run in "
    "separate processes (`ServerProcess`), so their work is not on the measured event loop "
    "and `time.process_time()` in the benchmark process is the clients' CPU alone. Every "
    "client talks to the same two servers in the same run.",
    "- Every client sends the same request: one user message, `max_tokens=256`, "
    "`temperature=0.7`, model `claude-sonnet-4-5` or `gpt-4o-mini`. orchestify is built with "
    "`ProviderRegistry.from_config(loads_config(...))` and the default settings (retries, "
    "timeout, usage and cost accounting all on), only `base_url` pointing at the server. "
    "The raw SDK clients use their defaults. LiteLLM is called as `litellm.acompletion` with "
    "`anthropic/...` or `openai/...` and `api_base`.",
    "- Streams are scripted with the servers' `x-loopback-reply` header, so every client "
    "receives the same bytes; OpenAI streams ask for usage (`stream_options.include_usage`), "
    "as orchestify always does. `raw` Anthropic streams iterate the raw events of "
    "`messages.create(stream=True)`; `raw-helper` is `messages.stream()`, shown for "
    "reference (it builds a snapshot of the message on every event).",
    "- `orchestify` is the default provider, whose plugin decodes the answers' JSON and "
    "server-sent events itself; `orchestify-sdk` is the same provider with "
    "`options: {decode: sdk}`, where the SDK parses the answers into its objects (the "
    "plugins' path before the fast path), so that both are measured in the same run.",
    "- Peak memory per stream: after the timed rounds, each client streams the per-chunk "
    "workload once more with tracemalloc on; the figure is the peak of Python allocations "
    "during that stream above what was allocated before it (`bench/_stream_memory.py`).",
    "- A round runs one block per client (N calls or N streams), in an order rotated every "
    "round. Figures are medians over rounds; ratios and differences are computed per round "
    "(both clients ran in the same round) and then their median is taken, which cancels "
    "most of the drift of a shared machine. Between blocks the benchmark sleeps briefly and "
    "collects garbage, so background work of one client (LiteLLM logs from tasks and "
    "threads) does not land in the next block.",
    "- Before the rounds, each client is warmed up (connections opened, lazy imports done) "
    "and its answers are checked: a non-empty text, the expected number of stream chunks. "
    "Then everything alive is moved to the collector's permanent generation "
    "(`gc.freeze()`), so that a full collection, which LiteLLM's half a million objects "
    "would make cost ~0.3 s, does not land on whichever client happens to trigger it.",
    "- The servers' CPU is read from `/proc/<pid>/schedstat` (nanoseconds) and the new TCP "
    "connections from the servers' control API (`connections_accepted`), around every "
    "block: a client that does not reuse its connections shows up there.",
    "- The per-chunk bars are judged on both wall and client CPU time: in this setup the "
    "client, not the server, is the bottleneck of a stream (the server's CPU per chunk is "
    "a few microseconds), so the two agree.",
    "- LiteLLM's Anthropic streams are made without `stream_options.include_usage` (the raw "
    "SDK's events carry the usage anyway; asking for it costs LiteLLM ~35 us more per "
    "chunk), as orchestify-litellm makes them on Anthropic's API, which reads the usage "
    "LiteLLM records from the stream instead: the two are compared like for like.",
    "- Start-up cases each run in fresh interpreters, round-robin; byte-code caches are "
    "allowed and each case runs once untimed first, as an installed wheel would be. The wall "
    "time includes interpreter start and exit, which is why each case is given over bare "
    "`python -c pass` as well.",
    "- Memory is measured in a child process that imports orchestify and its plugins only. "
    "RSS is read after `gc.collect()`; growth within the noise bound (allocator arenas, "
    "socket buffers) is not growth.",
]


def read_findings(path: Path) -> str | None:
    """The findings already written in ``path`` (between the markers), if any."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    start, end = text.find(FINDINGS_START), text.find(FINDINGS_END)
    if start < 0 or end < start:
        return None
    findings = text[start + len(FINDINGS_START) : end].strip()
    return None if findings == _NO_FINDINGS else findings


def write_markdown(results: Mapping[str, Any], path: Path) -> None:
    """Write the summary, keeping the findings section of an existing file."""
    findings = read_findings(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(results, findings), encoding="utf-8")
