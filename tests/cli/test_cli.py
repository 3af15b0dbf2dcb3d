"""The installed `orchestify` command, driven as a user drives it: as a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import requires_test_plugins

ORCHESTIFY = shutil.which("orchestify") or str(Path(sys.executable).parent / "orchestify")
CONFIG = """\
providers:
  fake:
    type: scripted
    api_key: ${FAKE_KEY}
    default_model: scripted-1
    prices:
      scripted-1: {input: 3, output: 15}
  slow:
    type: scripted
    default_model: scripted-slow
    options: {echo_chunk_size: 1, echo_delay: 0.05}
agents:
  writer: {provider: fake, model: scripted-writer}
"""


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    full_env = {**os.environ, "FAKE_KEY": "sk-cli-canary"}
    full_env.pop("ORCHESTIFY_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run([ORCHESTIFY, *args], capture_output=True, text=True, env=full_env,
                          input=stdin, timeout=60, cwd=cwd)  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "orchestify.yaml"
    path.write_text(CONFIG)
    return path


def test_plugins_lists_without_importing_sdks() -> None:
    """`plugins --json` lists every installed plugin with its distribution, version and status."""
    result = run("plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = {(r["type"], r["distribution"]): r for r in json.loads(result.stdout)}
    assert rows[("scripted", "orchestify-core")]["status"] == "ok"


@requires_test_plugins
def test_plugins_reports_broken_ones() -> None:
    """A broken plugin is listed with its error; the command still succeeds."""
    result = run("plugins")
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("broken "))
    assert "orchestify-broken" in line
    assert "ModuleNotFoundError" in line


def test_providers_shows_capabilities_and_prices(config: Path) -> None:
    """`providers` shows type, model, capabilities, price and its source."""
    result = run("providers", "-c", str(config), "--json")
    assert result.returncode == 0, result.stderr
    fake = next(p for p in json.loads(result.stdout) if p["provider_id"] == "fake")
    assert fake["provider_type"] == "scripted"
    assert fake["default_model"] == "scripted-1"
    assert fake["price_per_mtok"]["input"] == "3"
    assert fake["price_source"] == "config"
    assert fake["key"] == "set"
    detailed = run("providers", "-c", str(config), "--json", "--details")
    assert detailed.returncode == 0, detailed.stderr
    fake = next(p for p in json.loads(detailed.stdout) if p["provider_id"] == "fake")
    assert fake["capabilities"]["tools"] is True
    table = run("providers", "-c", str(config))
    assert "price source" in table.stdout
    assert "sk-cli-canary" not in table.stdout + result.stdout


def test_check_valid_and_connectivity(config: Path) -> None:
    """`check` validates; `--connectivity` runs the health checks; exit 0 when all pass."""
    result = run("check", "-c", str(config), "--connectivity")
    assert result.returncode == 0, result.stderr
    assert "config ok: 2 provider(s), 1 agent(s)" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("fake "))
    assert line.split()[1] == "ok"
    assert line.split()[3] == "ms"


def test_check_bad_config_is_one_line(tmp_path: Path) -> None:
    """A bad config gives one error line with file, line and key path, exit 2, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "providers:\n  fake:\n    type: scripted\n    default_model: m\n    max_tokens: x\n"
    )
    result = run("check", "-c", str(bad))
    assert result.returncode == 2
    assert result.stderr == f"orchestify: error: {bad}:5: providers.fake.max_tokens: expected int\n"


def test_missing_key_names_the_variable(config: Path) -> None:
    """An unset key variable is a status for `check` and an error naming it for `complete`."""
    env = {k: v for k, v in os.environ.items() if k != "FAKE_KEY"}
    checked = subprocess.run([ORCHESTIFY, "check", "-c", str(config)], capture_output=True,
                             text=True, env=env, timeout=60)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "fake: api_key not set ($FAKE_KEY); needed to call this provider" in checked.stdout
    result = subprocess.run([ORCHESTIFY, "complete", "-c", str(config), "-p", "fake", "hi"],
                            capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert "environment variable FAKE_KEY is not set" in result.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    """--debug adds the traceback to the error line."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers: [1]\n")
    result = run("--debug", "check", "-c", str(bad))
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_complete_streams_and_reports_usage(config: Path) -> None:
    """`complete` prints the answer, then tokens, cost and latency on stderr."""
    result = run("complete", "-c", str(config), "-p", "fake", "hello there")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "echo: hello there\n"
    assert result.stderr.startswith("tokens: ")
    assert "cost: $0.0000" in result.stderr
    assert "latency: " in result.stderr


def test_complete_agent_from_stdin_as_json(config: Path) -> None:
    """`--agent` uses the agent's model; `-` reads the prompt from stdin; --json prints all."""
    result = run(
        "complete", "-c", str(config), "--agent", "writer", "--json", "-", stdin="piped prompt"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["content"] == "echo: piped prompt"
    assert data["model"] == "scripted-writer"
    assert data["provider_id"] == "fake"
    assert data["tokens_input"] > 0
    assert data["cost_usd"] is not None
    assert float(data["cost_usd"]) > 0
    assert data["latency_s"] == round(data["latency_s"], 3)


def test_unknown_provider_lists_configured(config: Path) -> None:
    """An unknown provider id is one error line listing the configured ones."""
    result = run("complete", "-c", str(config), "-p", "claude", "hi")
    assert result.returncode == 2
    assert (
        result.stderr
        == "orchestify: error: unknown provider 'claude' (configured providers: fake, slow)\n"
    )


def test_config_from_environment_and_default_path(config: Path) -> None:
    """ORCHESTIFY_CONFIG, then ./orchestify.yaml, are used when -c is not given."""
    assert run("check", env={"ORCHESTIFY_CONFIG": str(config)}).returncode == 0
    result = run("check", cwd=config.parent)
    assert result.returncode == 0, result.stderr
    empty = config.parent / "empty"
    empty.mkdir()
    missing = run("check", cwd=empty, env={"XDG_CONFIG_HOME": str(empty)})
    assert missing.returncode == 2
    assert "no config given" in missing.stderr


def test_ctrl_c_stops_stream_and_prints_usage(config: Path) -> None:
    """SIGINT mid-stream stops the answer and still prints the usage of what was received."""
    env = {**os.environ, "FAKE_KEY": "k", "PYTHONUNBUFFERED": "1"}
    prompt = "a fairly long prompt that streams back one character every fifty milliseconds"
    proc = subprocess.Popen([ORCHESTIFY, "complete", "-c", str(config), "-p", "slow", prompt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    assert proc.stdout is not None
    received = proc.stdout.read(10)  # the stream has started
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    text = received + out
    assert proc.returncode == 130
    assert 10 <= len(text.strip()) < len("echo: " + prompt)
    assert "interrupted" in err
    assert "tokens: " in err
    assert "Traceback" not in err


@pytest.mark.skipif(
    not all(
        __import__("importlib.util").util.find_spec(m)
        for m in ("orchestify_claude", "orchestify_openai", "orchestify_litellm", "aiohttp")
    ),
    reason="the demo drives all three plugins",
)
def test_demo_runs_every_plugin_offline() -> None:
    """`demo` says it runs locally, and completes, streams and calls tools on every plugin."""
    result = run("demo", env={"LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "LOCAL servers" in out
    for provider in ("claude_main", "openai_main", "litellm_claude", "litellm_openai"):
        assert f"[{provider}]" in out
        assert f"Hello from {provider}" in out
        row = next(line for line in out.splitlines() if line.startswith(provider + " "))
        assert row.split()[2] == "4"  # four calls each: complete, stream, two tool turns
    assert out.count("final answer: It is 21 C and sunny in Paris.") == 4
    counts = [line.split() for line in out.splitlines() if line.startswith("  count     ")]
    assert len(counts) == 4  # a count before sending, on every plugin
    assert all(int(words[1]) > 0 and words[2:4] == ["input", "tokens"] for words in counts)
    assert out.count('model called get_weather({"city": "Paris"})') == 4  # arguments as JSON
    assert "the config it uses (a temporary file, removed at the end):" in out
    assert "  |     type: litellm" in out
    for provider in ("claude_main", "openai_main", "litellm_claude", "litellm_openai"):
        loading = next(
            line for line in out.splitlines() if line.startswith(f"  loading {provider} ")
        )
        assert " ... " in loading  # progress while each plugin and SDK loads
    assert "input counts every prompt token, the cached ones included" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split()[1] == "16"
