"""Start-up costs, each measured in fresh interpreters.

Every case is a ``python -c`` program: a payload (``pass``, ``import orchestify_core``,
building a registry, ...) followed by the same epilogue, which prints the payload's own
time, the peak RSS and which provider SDKs ended up in ``sys.modules``. The wall time is
taken around the whole child process (spawn to exit), so ``case - bare`` is what the payload
adds to a program's start. Cases run round-robin, each ``repeats`` times, and the figure is
the median.

Byte-code caches are allowed (``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment) and every case runs once untimed first, so an editable install is timed like an
installed wheel, whose byte code pip compiles at install time.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["SDKS", "Case", "cases", "run_startup"]

SDKS: tuple[str, ...] = ("anthropic", "openai", "litellm")

_PROLOGUE = "import time as _bench_time\n_bench_t0 = _bench_time.perf_counter()\n"
# The peak RSS is VmHWM from /proc (getrusage's ru_maxrss survives execve, so a child would
# report its parent's peak); reading it needs no import that the payload might not have made.
_EPILOGUE = (
    "\n_bench_t1 = _bench_time.perf_counter()\n"
    "import sys as _bench_sys\n"
    "with open('/proc/self/status') as _bench_status:\n"
    "    _bench_hwm = [l for l in _bench_status if l.startswith('VmHWM:')]\n"
    "print(repr({"
    "'inner_s': _bench_t1 - _bench_t0, "
    "'peak_rss_kb': int(_bench_hwm[0].split()[1]) if _bench_hwm else 0, "
    f"'sdks': sorted(m for m in {SDKS!r} if m in _bench_sys.modules), "
    "'result': globals().get('_bench_result')"
    "}))\n"
)

_OPENAI_ONLY_CONFIG = """\
providers:
  gpt:
    type: openai
    api_key: bench-key
    default_model: gpt-4o-mini
    base_url: http://127.0.0.1:9/v1
"""

_ANTHROPIC_ONLY_CONFIG = """\
providers:
  claude:
    type: anthropic
    api_key: bench-key
    default_model: claude-sonnet-4-5
    base_url: http://127.0.0.1:9
"""


def _registry_payload(config: str) -> str:
    return (
        "from orchestify_core import ProviderRegistry, loads_config\n"
        f"_bench_registry = ProviderRegistry.from_config(loads_config({config!r}))\n"
        "_bench_result = _bench_registry.list_providers()\n"
    )


_CLI_PAYLOAD = """\
import contextlib as _bench_contextlib, io as _bench_io
from orchestify_core.cli import main as _bench_main
_bench_out = _bench_io.StringIO()
with _bench_contextlib.redirect_stdout(_bench_out):
    try:
        _bench_code = _bench_main(["plugins"])
    except SystemExit as _bench_exit:
        _bench_code = _bench_exit.code
_bench_result = {"exit_code": _bench_code, "output": _bench_out.getvalue()[:2000]}
"""


@attrs.frozen
class Case:
    """One start-up program."""

    name: str
    description: str
    payload: str

    def program(self) -> str:
        return _PROLOGUE + self.payload + _EPILOGUE


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _has_plugin(provider_type: str) -> bool:
    from orchestify_core.plugins import installed_plugins

    return any(info.provider_type == provider_type for info in installed_plugins())


def cases() -> list[Case]:
    """The cases that can run here (a case whose package is missing is left out)."""
    found = [
        Case("bare", "python -c pass", "pass\n"),
        Case("core", "import orchestify_core", "import orchestify_core\n"),
    ]
    for sdk in SDKS:
        if _has(sdk):
            found.append(Case(sdk, f"import {sdk}", f"import {sdk}\n"))
    # What a raw SDK user pays before the first call: the import and one client. A registry
    # builds that client too, so this is the fair baseline of its cost (the bar compares
    # with the import alone).
    if _has("openai"):
        found.append(
            Case(
                "openai-client",
                "import openai; openai.AsyncOpenAI(...)",
                "import openai\n"
                "_bench_client = openai.AsyncOpenAI(api_key='k', base_url='http://127.0.0.1:9/v1')\n",
            )
        )
    if _has("anthropic"):
        found.append(
            Case(
                "anthropic-client",
                "import anthropic; anthropic.AsyncAnthropic(...)",
                "import anthropic\n"
                "_bench_client = anthropic.AsyncAnthropic(api_key='k', base_url='http://127.0.0.1:9')\n",
            )
        )
    if _has_plugin("openai"):
        found.append(
            Case(
                "registry-openai",
                "ProviderRegistry.from_config(<openai-only config>), all plugins installed",
                _registry_payload(_OPENAI_ONLY_CONFIG),
            )
        )
    if _has_plugin("anthropic"):
        found.append(
            Case(
                "registry-anthropic",
                "ProviderRegistry.from_config(<anthropic-only config>), all plugins installed",
                _registry_payload(_ANTHROPIC_ONLY_CONFIG),
            )
        )
    if _has("orchestify_core.cli"):
        found.append(Case("plugins-cli", "orchestify plugins", _CLI_PAYLOAD))
    return found


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env


def _run(case: Case, env: Mapping[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", case.program()],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"start-up case {case.name!r} failed ({done.returncode}): {done.stderr[-2000:]}"
        )
    report: dict[str, Any] = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    return wall, report


def run_startup(
    repeats: int, *, warm: bool = True, selected: Sequence[Case] | None = None
) -> dict[str, Any]:
    """Every case ``repeats`` times, round-robin; medians and the derived differences.

    :param warm: run every case once, untimed, first (byte-code caches, the page cache).
    """
    chosen = list(selected if selected is not None else cases())
    env = _child_env()
    if warm:
        for case in chosen:
            _run(case, env)
    walls: dict[str, list[float]] = {case.name: [] for case in chosen}
    inners: dict[str, list[float]] = {case.name: [] for case in chosen}
    rss: dict[str, list[float]] = {case.name: [] for case in chosen}
    last: dict[str, dict[str, Any]] = {}
    for number in range(repeats):
        shift = number % len(chosen)
        for case in [*chosen[shift:], *chosen[:shift]]:
            wall, report = _run(case, env)
            walls[case.name].append(wall * 1e3)
            inners[case.name].append(report["inner_s"] * 1e3)
            rss[case.name].append(report["peak_rss_kb"] / 1024)
            last[case.name] = report
    out: dict[str, Any] = {"repeats": repeats, "warmed": warm, "cases": {}}
    for case in chosen:
        out["cases"][case.name] = {
            "description": case.description,
            "wall_ms": {
                "median": statistics.median(walls[case.name]),
                "min": min(walls[case.name]),
                "max": max(walls[case.name]),
                "rounds": walls[case.name],
            },
            "inner_ms": statistics.median(inners[case.name]),
            "peak_rss_mb": statistics.median(rss[case.name]),
            "sdks_imported": last[case.name]["sdks"],
            "result": last[case.name]["result"],
        }
    out["derived"] = _derived(out["cases"])
    return out


def _rounds(cases_out: Mapping[str, Any], name: str) -> list[float] | None:
    case = cases_out.get(name)
    return None if case is None else list(case["wall_ms"]["rounds"])


def _difference(cases_out: Mapping[str, Any], name: str, base: str) -> float | None:
    """The median over repeats of ``name - base`` (both ran in every repeat)."""
    mine, theirs = _rounds(cases_out, name), _rounds(cases_out, base)
    if mine is None or theirs is None:
        return None
    return statistics.median(a - b for a, b in zip(mine, theirs, strict=True))


def _derived(cases_out: Mapping[str, Any]) -> dict[str, Any]:
    derived: dict[str, Any] = {}
    for name in cases_out:
        over_bare = _difference(cases_out, name, "bare") if name != "bare" else None
        if over_bare is not None:
            derived[f"{name}_over_bare_ms"] = over_bare
    for sdk in ("openai", "anthropic"):
        registry = f"registry-{sdk}"
        over_import = _difference(cases_out, registry, sdk)
        if over_import is not None:
            derived[f"{registry}_over_{sdk}_import_ms"] = over_import
        over_client = _difference(cases_out, registry, f"{sdk}-client")
        if over_client is not None:
            derived[f"{registry}_over_{sdk}_client_ms"] = over_client
    return derived
