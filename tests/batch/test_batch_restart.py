"""A process killed (SIGKILL) while polling a batch, and another killed while collecting its
results: a restarted ``orchestify batch results ID`` collects every result exactly once,
with a SQLite ledger and with Redis. Nothing lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core.testing.servers import AnthropicServer

from ._helpers import cli, ledger_rows, ledger_section, run_cli, total, write_config, write_requests

COUNT = 1000


async def polls_of(server: AnthropicServer, batch_id: str, at_least: int) -> None:
    while sum(r.method == "GET" and r.path.endswith(batch_id) for r in server.requests) < at_least:  # noqa: ASYNC110 - the server records, it signals nothing
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_killed_while_polling_and_while_collecting_then_restarted_counts_each_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis = request.getfixturevalue("redis_server") if kind == "redis" else None
    async with AnthropicServer(record_limit=None) as server:
        section = ledger_section(kind, tmp_path, redis, f"batch-{uuid.uuid4().hex[:8]}")
        config = str(write_config(tmp_path / "c.yaml", server, section))
        requests = str(write_requests(tmp_path / "requests.jsonl", COUNT))
        status, out, err = await run_cli("batch", "submit", requests, "-p", "claude", "-c", config)
        assert status == 0, err
        batch_id = out.strip()

        # 1. killed while polling a batch still in progress: nothing collected, nothing counted
        server.batches.settings.polls_to_end = 10**9
        poller = await cli("batch", "results", batch_id, "-c", config, "--poll-interval", "0.02")
        await asyncio.wait_for(polls_of(server, batch_id, 3), 30)
        poller.send_signal(signal.SIGKILL)
        assert await poller.wait() == -signal.SIGKILL
        assert await ledger_rows(tmp_path / "c.yaml") == []

        # 2. the batch ends; a collector is killed partway (it blocks on its unread stdout)
        server.batches.settings.polls_to_end = 0
        collector = await cli("batch", "results", batch_id, "-c", config)
        assert collector.stdout is not None
        first = [json.loads(await collector.stdout.readline()) for _ in range(100)]
        collector.send_signal(signal.SIGKILL)
        assert await collector.wait() == -signal.SIGKILL
        accounted = await ledger_rows(tmp_path / "c.yaml")
        assert 100 <= len(accounted) < COUNT
        assert {line["custom_id"] for line in first} <= {r.id.rsplit(":", 1)[1] for r in accounted}

        # 3. restarted: every result once; only those not yet accounted are accounted now
        status, out, err = await run_cli("batch", "results", batch_id, "-c", config)
        assert status == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert sorted(line["custom_id"] for line in lines) == sorted(f"r{i}" for i in range(COUNT))
        assert all(line["outcome"] == "succeeded" for line in lines)
        assert all(line["content"] == f"echo: n{line['custom_id'][1:]}" for line in lines)
        fresh = [line for line in lines if not line["collected_before"]]
        assert len(fresh) == COUNT - len(accounted)
        rows = await ledger_rows(tmp_path / "c.yaml")
        assert len(rows) == COUNT == len({row.id for row in rows})
        assert all(row.tags["batch_id"] == batch_id and row.outcome == "completed" for row in rows)
        assert total(rows) == sum(Decimal(line["cost_usd"]) for line in lines) > 0

        # 4. once more: nothing new
        status, out, _ = await run_cli("batch", "results", batch_id, "-c", config, "--new")
        assert status == 0
        assert out == ""
        assert len(await ledger_rows(tmp_path / "c.yaml")) == COUNT
