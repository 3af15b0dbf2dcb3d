"""Break each first-party plugin on purpose, one way at a time, and check that the
conformance suite fails for every breakage.

Each mutation is a text substitution in one module of a plugin. The plugin package is
copied to a temporary directory, the substitution applied to the copy (never to the real
files), and the plugin's own conformance test file run in a subprocess with the copy first
on ``PYTHONPATH`` (the entry point imports the module by name, so the copy is what loads).
An unmutated copy is run first: it must pass, and a mutation whose text is no longer in
the plugin is reported as stale rather than counted.

    .venv/bin/python scripts/mutate_plugins.py                  # every plugin (minutes)
    .venv/bin/python scripts/mutate_plugins.py --plugin openai --jobs 2
    .venv/bin/python scripts/mutate_plugins.py --plugin claude --only system-dropped -k wire

The exit status is 0 only when every applicable mutation was caught.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutations import MUTATIONS, PLUGINS, Mutation

ROOT = Path(__file__).resolve().parent.parent
_FAILED = re.compile(r"^FAILED \S+::(\w+)::(\w+)", re.MULTILINE)


@dataclass
class Outcome:
    """What one run of the suite said about one mutation."""

    mutation: Mutation | None
    # "killed", "survived", "equivalent" (survived, and no caller could tell), "stale",
    # "passed" (the baseline), "broken" (the suite did not run)
    status: str
    failed_checks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    detail: str = ""


def _copy_package(plugin: str, into: Path) -> Path:
    package = PLUGINS[plugin].package
    source = ROOT / "plugins" / f"orchestify_{PLUGINS[plugin].dist}" / package
    target = into / package
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _apply(package_dir: Path, mutation: Mutation) -> bool:
    path = package_dir / mutation.module
    if not path.exists():
        return False
    text = path.read_text()
    if mutation.old not in text:
        return False
    path.write_text(text.replace(mutation.old, mutation.new, 1))
    return True


def _run_suite(plugin: str, pythonpath: Path, select: str | None) -> tuple[int, str, float]:
    spec = PLUGINS[plugin]
    test_file = ROOT / "plugins" / f"orchestify_{spec.dist}" / "tests" / spec.test_file
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
               "no:randomly", str(test_file), "-o", "addopts="]  # fmt: skip
    if select:
        command += ["-k", select]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(pythonpath), os.environ.get("PYTHONPATH")])
        ),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - started


def run_one(plugin: str, mutation: Mutation | None, select: str | None) -> Outcome:
    """Copy the plugin, apply ``mutation`` (None: the baseline) and run its suite."""
    with tempfile.TemporaryDirectory(prefix="orchestify-mutant-") as tmp:
        package_dir = _copy_package(plugin, Path(tmp))
        if mutation is not None and not _apply(package_dir, mutation):
            return Outcome(mutation, "stale", detail=f"text not found in {mutation.module}")
        code, output, seconds = _run_suite(plugin, Path(tmp), select)
    failed = [f"{cls}::{test}" for cls, test in _FAILED.findall(output)]
    if code == 0 and mutation is not None and mutation.equivalent:
        return Outcome(mutation, "equivalent", seconds=seconds, detail=mutation.equivalent)
    if code == 0:
        return Outcome(mutation, "passed" if mutation is None else "survived", seconds=seconds)
    if code == 1 and failed:
        return Outcome(mutation, "killed", sorted(set(failed)), seconds)
    tail = output.strip().splitlines()[-3:]
    return Outcome(mutation, "broken", seconds=seconds, detail=" | ".join(tail))


def _run_for(plugin: str, select: str | None, mutation: Mutation) -> Outcome:
    return run_one(plugin, mutation, select)


def _checks(failed: list[str]) -> str:
    names = sorted({name.split("::")[-1].split("[")[0] for name in failed})
    return ", ".join(names)


def report(plugin: str, outcomes: list[Outcome]) -> str:
    """The markdown table of one plugin's mutations and its kill rate."""
    lines = [
        f"### {plugin}",
        "",
        "| # | breakage | module | result | caught by |",
        "|---|---|---|---|---|",
    ]
    for number, outcome in enumerate(outcomes, 1):
        assert outcome.mutation is not None
        caught = _checks(outcome.failed_checks) if outcome.status == "killed" else outcome.detail
        lines.append(
            f"| {number} | {outcome.mutation.name}: {outcome.mutation.description} | "
            f"`{outcome.mutation.module}` | {outcome.status} | {caught} |"
        )
    applicable = [o for o in outcomes if o.status not in ("stale", "equivalent")]
    killed = sum(o.status == "killed" for o in applicable)
    left_out = {
        status: sum(o.status == status for o in outcomes) for status in ("equivalent", "stale")
    }
    note = ", ".join(f"{count} {status}" for status, count in left_out.items() if count)
    lines += [
        "",
        f"Kill rate: {killed}/{len(applicable)}" + (f" ({note} not counted)" if note else ""),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plugin", choices=sorted(PLUGINS), action="append")
    parser.add_argument("--only", help="comma-separated mutation names")
    parser.add_argument("-k", dest="select", help="run only the checks matching (pytest -k)")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    plugins = args.plugin or sorted(PLUGINS)
    if args.list:
        for plugin in plugins:
            for mutation in MUTATIONS[plugin]:
                print(f"{plugin}\t{mutation.name}\t{mutation.module}\t{mutation.description}")
        return 0
    all_caught = True
    for plugin in plugins:
        chosen = [m for m in MUTATIONS[plugin] if only is None or m.name in only]
        if only is not None and len(chosen) != len(only & {m.name for m in MUTATIONS[plugin]}):
            raise SystemExit("duplicate mutation names")
        baseline = run_one(plugin, None, args.select)
        if baseline.status != "passed":
            print(f"{plugin}: the unmutated plugin does not pass its suite: "
                  f"{baseline.detail or _checks(baseline.failed_checks)}")  # fmt: skip
            all_caught = False
            continue
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(functools.partial(_run_for, plugin, args.select), chosen))
        print(report(plugin, outcomes))
        print(f"baseline suite run: {baseline.seconds:.1f}s; all mutants: "
              f"{time.perf_counter() - started:.0f}s with {args.jobs} jobs\n")  # fmt: skip
        all_caught &= all(o.status in ("killed", "stale", "equivalent") for o in outcomes)
    return 0 if all_caught else 1


if __name__ == "__main__":
    raise SystemExit(main())
