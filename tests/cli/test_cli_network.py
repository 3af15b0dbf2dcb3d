"""`complete` and `check --connectivity` against real loopback servers (their own processes)
and against ports where nothing listens."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from ._helpers import REPO, free_port, loopback_server, run

PLUGIN_OF = {"openai": "orchestify_openai", "anthropic": "orchestify_claude",
             "litellm": "orchestify_litellm"}  # fmt: skip


def _installed(provider_type: str) -> bool:
    return importlib.util.find_spec(PLUGIN_OF[provider_type]) is not None


def _entry(pid: str, kind: str, url: str, extra: str = "") -> str:
    model = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5",
             "litellm": "openai/gpt-4o-mini"}[kind]  # fmt: skip
    return (f"  {pid}:\n    type: {kind}\n    api_key: ${{LOOP_KEY:-k}}\n"
            f"    default_model: {model}\n    base_url: {url}\n{extra}")  # fmt: skip


@pytest.mark.parametrize("kind", ["openai", "anthropic", "litellm"])
def test_connection_error_names_the_url(tmp_path: Path, kind: str) -> None:
    """Nothing listens: every plugin's error ends with the URL it could not reach."""
    if not _installed(kind):
        pytest.skip(f"{PLUGIN_OF[kind]} is not installed")
    url = f"http://127.0.0.1:{free_port()}" + ("" if kind == "anthropic" else "/v1")
    config = tmp_path / "c.yaml"
    config.write_text("providers:\n" + _entry("p", kind, url, "    retry: {max_retries: 0}\n"))
    result = run("complete", "-c", str(config), "-p", "p", "hi")
    assert result.returncode == 1
    error = result.stderr.splitlines()[-1]
    assert error.startswith("orchestify: error: ")
    assert error.endswith(f"(at {url})")


def test_verbose_shows_retries_and_failover(tmp_path: Path) -> None:
    """-v: each failed attempt with its reason, each retry with its wait, the failover."""
    with loopback_server("openai") as url:
        overloaded = "    headers: {x-loopback-reply: '{\"status\": 503}'}\n"
        config = tmp_path / "c.yaml"
        config.write_text(
            "providers:\n"
            + _entry("busy", "openai", url, overloaded
                     + "    retry: {max_retries: 1, initial_delay: 0.05}\n    fallbacks: [spare]\n")
            + _entry("spare", "openai", url)
        )  # fmt: skip
        result = run("complete", "-c", str(config), "-p", "busy", "hello", "-v")
        quiet = run("complete", "-c", str(config), "-p", "busy", "hello")
        alone = run("complete", "-c", str(config), "-p", "busy", "hello", "--no-fallback",
                    "--max-retries", "0", "-v")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "echo: hello\n"
    log = result.stderr.splitlines()
    failed = [line for line in log if "attempt failed" in line]
    assert len(failed) == 2
    assert all("503" in line or "Overloaded" in line or "InternalServer" in line for line in failed)
    assert any("provider busy:" in line and "retry 1 of 1 in " in line for line in log)
    assert any("failing over to spare" in line for line in log)
    assert quiet.returncode == 0
    assert not any("info:" in line for line in quiet.stderr.splitlines())
    assert alone.returncode == 1
    assert not any("retry" in line for line in alone.stderr.splitlines())
    assert not any("failing over" in line for line in alone.stderr.splitlines())


def test_timeout_option_and_json_names(tmp_path: Path) -> None:
    """--timeout bounds the attempt (the error names the URL); --json is named like
    LLMResponse, cost a Decimal string, latency rounded to the millisecond."""
    with loopback_server("openai") as url:
        slow = "    headers: {x-loopback-reply: '{\"first_byte_delay\": 5}'}\n"
        config = tmp_path / "c.yaml"
        config.write_text("providers:\n" + _entry("slow", "openai", url, slow)
                          + _entry("fast", "openai", url))  # fmt: skip
        timed_out = run("complete", "-c", str(config), "-p", "slow", "hi", "--timeout", "0.3",
                        "--max-retries", "0")  # fmt: skip
        answered = run("complete", "-c", str(config), "-p", "fast", "hi there", "--json")
    assert timed_out.returncode == 1
    assert "0.3" in timed_out.stderr
    assert f"(at {url})" in timed_out.stderr
    assert answered.returncode == 0, answered.stderr
    data = json.loads(answered.stdout)
    assert data["content"] == "echo: hi there"
    assert data["provider_id"] == "fast"
    assert data["provider_type"] == "openai"
    assert set(data) >= {"tokens_input", "tokens_output", "cache_read_tokens", "finish_reason",
                         "cost_usd", "latency_s", "attempts", "tool_calls"}  # fmt: skip
    assert isinstance(data["cost_usd"], str)
    assert data["latency_s"] == round(data["latency_s"], 3)
    assert "(0 of them cached)" in answered.stderr


@pytest.mark.skipif(not (_installed("openai") and _installed("anthropic")),
                    reason="examples/offline.yaml uses both first-party SDK plugins")  # fmt: skip
def test_offline_example_against_the_servers() -> None:
    """examples/offline.yaml works against `python -m orchestify_core.testing.servers`, and
    the servers answer as its comments say."""
    ports = free_port(), free_port()
    with loopback_server("anthropic", ports[0]) as claude_url, \
            loopback_server("openai", ports[1]) as openai_url:  # fmt: skip
        env = {"ORCHESTIFY_ANTHROPIC_URL": claude_url, "ORCHESTIFY_OPENAI_URL": openai_url}
        example = str(REPO / "examples" / "offline.yaml")
        checked = run("check", "-c", example, "--connectivity", env=env)
        claude = run("complete", "-c", example, "-p", "local_claude", "Hello there", env=env)
        agent = run("complete", "-c", example, "--agent", "echo_writer", "Hi", env=env)
        openai = run("complete", "-c", example, "-p", "local_openai", "Hello there", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [line.split()[1] for line in checked.stdout.splitlines()[1:]] == ["ok", "ok"]
    assert claude.stdout == "echo: Hello there\n"
    assert agent.stdout == "echo: Hi\n"
    assert openai.stdout == "echo: Hello there\n"
    assert "warning" not in checked.stderr


def test_complete_is_recorded_in_the_ledger_and_held_to_budgets(tmp_path: Path) -> None:
    """The command keeps the config's ledger and budgets: its call is a ledger row that
    `usage` shows, and a spent budget refuses the next call before anything is sent, even
    with a budget scoped to a provider the command does not use."""
    with loopback_server("openai") as url:
        config = tmp_path / "c.yaml"
        config.write_text(
            "providers:\n" + _entry("main", "openai", url) + _entry("other", "openai", url)
            + f"ledger: {{backend: sqlite, path: {tmp_path / 'ledger.sqlite3'}}}\n"
            + "budgets:\n  tiny: {limit_tokens: 60, period: total, scope: {provider: main}}\n"
            + "  elsewhere: {limit_usd: 5, scope: {provider: other}}\n"
        )  # fmt: skip
        first = run("complete", "-c", str(config), "-p", "main", "hello", "--max-tokens", "50",
                    "--json")  # fmt: skip
        usage = run("usage", "-c", str(config), "--json", "--by", "provider")
        second = run("complete", "-c", str(config), "-p", "main", "hello", "--max-tokens", "50")
    assert first.returncode == 0, first.stderr
    answer = json.loads(first.stdout)
    assert answer["content"] == "echo: hello"
    assert usage.returncode == 0, usage.stderr
    recorded = json.loads(usage.stdout)["main"]
    assert recorded["calls"] == 1
    assert recorded["input_tokens"] == answer["tokens_input"]
    assert recorded["output_tokens"] == answer["tokens_output"]
    assert second.returncode != 0
    assert "budget 'tiny'" in second.stderr
    assert "before sending it" in second.stderr
