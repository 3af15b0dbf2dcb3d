"""``orchestify batch submit|status|results|cancel`` end to end (the CLI as a process, the
loopback server's Message Batches), bad input, and a provider whose plugin has no batch
API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestify_core import (
    APIConnectionError,
    BatchNotSupportedError,
    RequestValidationError,
    loads_config,
)
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.servers import AnthropicServer

from ._helpers import run_cli, write_config, write_requests


async def test_submit_status_cancel_results_from_the_command_line(tmp_path: Path) -> None:
    async with AnthropicServer() as server:
        ledger = f"ledger:\n  backend: sqlite\n  path: {tmp_path / 'l.sqlite3'}\n"
        config = str(write_config(tmp_path / "c.yaml", server, ledger))
        requests = str(write_requests(tmp_path / "r.jsonl", 5))
        server.batches.settings.polls_to_end = 10**6
        server.batches.settings.finish_before_cancel = 2

        status, out, err = await run_cli("batch", "submit", requests, "-p", "claude", "-c", config)
        assert status == 0, err
        batch_id = out.strip()
        assert batch_id.startswith("msgbatch_")

        status, out, _ = await run_cli("batch", "status", batch_id, "-c", config)
        assert status == 0
        assert (
            out
            == f"{batch_id} (claude): in_progress; processing 5, succeeded 0, errored 0, expired 0, cancelled 0\n"
        )

        status, out, _ = await run_cli("batch", "cancel", batch_id, "-c", config, "--json")
        assert status == 0
        assert json.loads(out)["state"] == "cancelling"

        status, out, _ = await run_cli(
            "batch", "results", batch_id, "-c", config, "--poll-interval", "0.01"
        )
        assert status == 0
        lines = [json.loads(line) for line in out.splitlines()]
        assert [(line["custom_id"], line["outcome"]) for line in lines] == [
            ("r0", "succeeded"), ("r1", "succeeded"),
            ("r2", "cancelled"), ("r3", "cancelled"), ("r4", "cancelled"),
        ]  # fmt: skip
        assert lines[0]["content"] == "echo: n0"
        assert lines[2]["content"] is None

        status, out, _ = await run_cli("batch", "status", batch_id, "-c", config, "--json")
        assert json.loads(out)["state"] == "cancelled"
        assert json.loads(out)["cancelled"] == 3
    methods = [(r.method, r.path.replace(batch_id, "ID")) for r in server.requests]
    assert ("POST", "/v1/messages/batches") in methods
    assert ("POST", "/v1/messages/batches/ID/cancel") in methods
    assert ("GET", "/v1/messages/batches/ID/results") in methods


async def test_bad_input_is_one_clear_line_and_sends_nothing(tmp_path: Path) -> None:
    async with AnthropicServer() as server:
        config = str(write_config(tmp_path / "c.yaml", server))
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"messages": [{"role": "user", "content": "a"}]}\nnot json\n')
        status, _, err = await run_cli("batch", "submit", str(bad), "-p", "claude", "-c", config)
        assert status == 2
        assert err.startswith(f"orchestify: error: {bad}:2: not JSON")
        dup = tmp_path / "dup.jsonl"
        line = {"custom_id": "x", "messages": [{"role": "user", "content": "a"}]}
        dup.write_text(json.dumps(line) + "\n" + json.dumps(line) + "\n")
        status, _, err = await run_cli("batch", "submit", str(dup), "-p", "claude", "-c", config)
        assert status == 2
        assert (
            err
            == "orchestify: error: batch request 1 (custom_id 'x'): custom_id is used by an earlier request\n"
        )
        status, _, err = await run_cli("batch", "status", "msgbatch_x", "-c", config)
        assert status == 2
        assert "the config has no ledger:; name its provider with -p" in err
        assert server.requests == []


async def test_invalid_request_refuses_the_whole_batch_before_sending(tmp_path: Path) -> None:
    async with AnthropicServer() as server:
        config = loads_config((write_config(tmp_path / "c.yaml", server)).read_text())
        registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
        provider = registry.get("claude")
        good = {"messages": [{"role": "user", "content": "a"}]}
        with pytest.raises(
            RequestValidationError, match=r"^batch request 1 \(custom_id 'b'\): .*max_tokens"
        ):
            await provider.batch([good, {**good, "custom_id": "b", "max_tokens": -5}])
        with pytest.raises(RequestValidationError, match=r"unknown key.*'temprature'"):
            await provider.batch([{**good, "temprature": 0.5}])
        await registry.aclose()
        assert server.requests == []


async def test_a_plugin_without_batches_raises_batch_not_supported() -> None:
    config = loads_config(
        "providers:\n  fake:\n    type: scripted\n    default_model: scripted-1\n"
    )
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    provider = registry.get("fake")
    with pytest.raises(BatchNotSupportedError) as caught:
        await provider.batch([{"messages": [{"role": "user", "content": "a"}]}])
    assert str(caught.value) == (
        "provider 'fake' has no batch API: the 'scripted' plugin does not implement batches"
    )
    with pytest.raises(BatchNotSupportedError, match="provider 'fake' has no batch API"):
        await provider.batch_job("b1").status()
    assert provider.client.requests == []
    await registry.aclose()


async def test_a_server_that_is_gone_is_a_typed_error_naming_the_endpoint(tmp_path: Path) -> None:
    """Batch requests fail as calls do: a connection error, the key nowhere in it, and the
    URL it could not reach at the end of the line."""
    async with AnthropicServer() as server:
        config_path = write_config(tmp_path / "c.yaml", server)
        url = server.base_url
    registry = ProviderRegistry.from_config(loads_config(config_path.read_text()))
    provider = registry.get("claude")
    for attempt in (
        lambda: provider.batch([{"messages": [{"role": "user", "content": "a"}]}]),
        lambda: provider.batch_job("msgbatch_1").status(),
        lambda: provider.batch_job("msgbatch_1").cancel(),
    ):
        with pytest.raises(APIConnectionError) as caught:
            await attempt()
        assert str(caught.value).endswith(f"(at {url.rstrip('/')})")
        assert caught.value.provider_id == "claude"
        assert "sk-ant-batch-test" not in repr(caught.value)
    await registry.aclose()
