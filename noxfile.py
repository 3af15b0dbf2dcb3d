"""Development sessions: ``nox`` runs the full check; ``nox -s <name>`` runs one.

Every test runs once:
- tests: the core and every plugin installed together; the suites of ``tests/`` (the
  core, the CLI, reliability, security, the servers, the demo across every plugin), on two
  pytest-xdist workers.
- claude / openai / litellm: each plugin installed alone with the core, its own test
  suite; the other plugins' SDKs are not even installed, which proves it needs none.
- otel: orchestify-otel with the core and the OpenTelemetry SDK, its own suite.
- lint: ruff (lint and format check).
- typecheck: mypy --strict over every package.

On demand:
- bench: the benchmark suite (writes bench/results.json and docs/benchmarks.md).
- demo: the offline demo, ``orchestify demo``.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "claude", "openai", "litellm", "otel", "lint", "typecheck"]

PYTHON = "3.11"
PLUGINS = {
    "claude": ("plugins/orchestify_claude", "anthropic"),
    "openai": ("plugins/orchestify_openai", "openai"),
    "litellm": ("plugins/orchestify_litellm", "litellm"),
}
TEST_PLUGINS = ("tests/plugins/orchestify_echo", "tests/plugins/orchestify_broken")
TEST_DEPS = ("pytest>=8", "pytest-asyncio>=0.24", "hypothesis>=6", "psutil>=5")
ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONDONTWRITEBYTECODE": "1"}


def _editable(*paths: str) -> list[str]:
    args: list[str] = []
    for path in paths:
        args += ["-e", path]
    return args


def _pytest(session: nox.Session, *args: str) -> None:
    session.run("pytest", *args, *session.posargs, env=ENV)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The suites of tests/, with the core and all plugins installed (each plugin's own
    suite runs in that plugin's session, alone)."""
    plugin_paths = [path for path, _ in PLUGINS.values()]
    session.install(
        *_editable(".[testing]", *plugin_paths, *TEST_PLUGINS), *TEST_DEPS, "pytest-xdist>=3"
    )
    # Two workers: the suite waits on child processes and sockets as much as it computes.
    _pytest(session, "-n", "2", "tests")


def _plugin_alone(session: nox.Session, name: str) -> None:
    path, _ = PLUGINS[name]
    session.install(*_editable(".[testing]", path), *TEST_DEPS)
    others = [sdk for other, (_, sdk) in PLUGINS.items() if other != name]
    session.run(
        "python",
        "-c",
        "import importlib.util; "
        f"found = [m for m in {others!r} if importlib.util.find_spec(m) is not None]; "
        "assert not found, f'unexpectedly installed: {found}'; "
        f"print('{name}: works without', ', '.join({others!r}))",
    )
    _pytest(session, f"{path}/tests")


@nox.session(python=PYTHON)
def claude(session: nox.Session) -> None:
    """orchestify-claude with the core only: neither openai nor litellm is installed."""
    _plugin_alone(session, "claude")


@nox.session(python=PYTHON)
def openai(session: nox.Session) -> None:
    """orchestify-openai with the core only: neither anthropic nor litellm is installed."""
    _plugin_alone(session, "openai")


@nox.session(python=PYTHON)
def litellm(session: nox.Session) -> None:
    """orchestify-litellm with the core only: the other orchestify plugins are not installed."""
    path, _ = PLUGINS["litellm"]
    session.install(*_editable(".[testing]", path), *TEST_DEPS)
    session.run(
        "python",
        "-c",
        "import importlib.util; "
        "assert importlib.util.find_spec('orchestify_claude') is None; "
        "assert importlib.util.find_spec('orchestify_openai') is None; "
        "print('litellm: installed without orchestify-claude and orchestify-openai')",
    )
    _pytest(session, f"{path}/tests")


@nox.session(python=PYTHON)
def otel(session: nox.Session) -> None:
    """orchestify-otel with the core and the OpenTelemetry SDK; no provider plugin installed."""
    session.install(
        *_editable(".[testing]", "plugins/orchestify_otel"),
        "opentelemetry-sdk>=1.30,<2",
        *TEST_DEPS,
    )
    _pytest(session, "plugins/orchestify_otel/tests")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core and every plugin."""
    plugin_paths = [path for path, _ in PLUGINS.values()]
    typed = [*plugin_paths, "plugins/orchestify_otel"]
    session.install(
        *_editable(".[testing]", *typed), "mypy>=1.13", "opentelemetry-sdk>=1.30,<2", *TEST_DEPS
    )
    packages = ["orchestify_core"] + [f"{path}/{os.path.basename(path)}" for path in typed]
    session.run("mypy", *packages, env=ENV)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmark suite: orchestify against the raw SDKs and LiteLLM, same servers, one run."""
    plugin_paths = [path for path, _ in PLUGINS.values()]
    session.install(
        *_editable(".[testing]", *plugin_paths, "plugins/orchestify_otel"),
        "opentelemetry-sdk>=1.30,<2",
        "psutil>=5",
    )
    session.run("python", "-m", "bench", *session.posargs, env=ENV)


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The offline demo: every plugin against the loopback provider servers."""
    plugin_paths = [path for path, _ in PLUGINS.values()]
    session.install(*_editable(".[testing]", *plugin_paths))
    session.run("orchestify", "demo", env=ENV)
