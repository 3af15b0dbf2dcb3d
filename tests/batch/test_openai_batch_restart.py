"""The OpenAI Batch API through the CLI: 1,000 requests, a process killed (SIGKILL) while
polling and another while collecting, then restarted: every result collected, matched to its
id and accounted exactly once at half the synchronous price, with a SQLite ledger and with
Redis. Then a batch cancelled from the CLI reports its unfinished requests as cancelled."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core.testing.servers import BatchPlan, OpenAIServer

from ._helpers import cli, ledger_rows, ledger_section, run_cli, total, write_requests

COUNT = 1000
MODEL = "gpt-4o-mini"
STUCK = BatchPlan(validating_polls=10**9)


def write_openai_config(path: Path, server: OpenAIServer, ledger: str = "") -> Path:
    path.write_text(
        "providers:\n"
        "  gpt:\n"
        "    type: openai\n"
        f"    default_model: {MODEL}\n"
        f"    base_url: {server.base_url}\n"
        "    api_key: sk-openai-batch-test\n"
        "    retry: {max_retries: 0}\n" + ledger
    )
    return path


async def polls_of(server: OpenAIServer, batch_id: str, at_least: int) -> None:
    """Wait until the server has answered ``at_least`` polls of the batch."""
    path = f"/v1/batches/{batch_id}"
    while True:
        if sum(r.method == "GET" and r.path == path for r in server.requests) >= at_least:
            return
        await asyncio.sleep(0.01)


async def sync_costs(config: Path, count: int) -> Decimal:
    """The cost of the same requests made one by one with ``orchestify complete``-style
    calls: through a provider built from the same config, without its ledger."""
    from orchestify_core import ProviderRegistry, load_config

    registry = ProviderRegistry.from_config(load_config(config).providers)
    provider = registry.get("gpt")
    try:
        cost = Decimal(0)
        for i in range(count):
            response = await provider.complete([{"role": "user", "content": f"n{i}"}])
            assert response.cost_usd is not None
            cost += response.cost_usd
        return cost
    finally:
        await provider.aclose()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
async def test_killed_while_polling_and_while_collecting_then_restarted_counts_each_once(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis = request.getfixturevalue("redis_server") if kind == "redis" else None
    async with OpenAIServer(models=(MODEL,), record_limit=None) as server:
        section = ledger_section(kind, tmp_path, redis, f"obatch-{uuid.uuid4().hex[:8]}")
        config = write_openai_config(tmp_path / "c.yaml", server, section)
        requests = str(write_requests(tmp_path / "requests.jsonl", COUNT))
        server.batches.plan = STUCK
        status, out, err = await run_cli(
            "batch", "submit", requests, "-p", "gpt", "-c", str(config)
        )
        assert status == 0, err
        batch_id = out.strip()
        assert server.batches.batches[batch_id].status == "validating"

        # 1. killed while polling a batch still validating: nothing collected, nothing counted
        poller = await cli(
            "batch", "results", batch_id, "-c", str(config), "--poll-interval", "0.02"
        )
        await asyncio.wait_for(polls_of(server, batch_id, 3), 30)
        poller.send_signal(signal.SIGKILL)
        assert await poller.wait() == -signal.SIGKILL
        assert await ledger_rows(config) == []

        # 2. the batch completes (its output shuffled); a collector is killed partway
        server.batches.batches[batch_id].plan = BatchPlan(validating_polls=0, shuffle_seed=11)
        collector = await cli("batch", "results", batch_id, "-c", str(config))
        assert collector.stdout is not None
        first = [json.loads(await collector.stdout.readline()) for _ in range(100)]
        collector.send_signal(signal.SIGKILL)
        assert await collector.wait() == -signal.SIGKILL
        accounted = await ledger_rows(config)
        assert 100 <= len(accounted) < COUNT
        assert {line["custom_id"] for line in first} <= {r.id.rsplit(":", 1)[1] for r in accounted}

        # 3. restarted: every result once, matched to its id; only the rest is accounted now
        status, out, err = await run_cli("batch", "results", batch_id, "-c", str(config))
        assert status == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert sorted(line["custom_id"] for line in lines) == sorted(f"r{i}" for i in range(COUNT))
        assert all(line["outcome"] == "succeeded" for line in lines)
        assert all(line["content"] == f"echo: n{line['custom_id'][1:]}" for line in lines)
        assert len([line for line in lines if not line["collected_before"]]) == COUNT - len(
            accounted
        )
        rows = await ledger_rows(config)
        assert len(rows) == COUNT == len({row.id for row in rows})
        assert all(row.tags["batch_id"] == batch_id for row in rows)
        batch_cost = total(rows)
        assert batch_cost == sum(Decimal(line["cost_usd"]) for line in lines)

        # 4. the same requests one by one cost exactly twice as much
        assert batch_cost * 2 == await sync_costs(config, COUNT)

        # 5. once more: nothing new, nothing counted
        status, out, _ = await run_cli("batch", "results", batch_id, "-c", str(config), "--new")
        assert status == 0
        assert out == ""
        assert len(await ledger_rows(config)) == COUNT


async def test_cancelled_from_the_cli_the_unfinished_requests_are_reported_cancelled(
    tmp_path: Path,
) -> None:
    async with OpenAIServer(models=(MODEL,)) as server:
        config = write_openai_config(
            tmp_path / "c.yaml", server, ledger_section("sqlite", tmp_path, None, "")
        )
        requests = str(write_requests(tmp_path / "requests.jsonl", 10))
        server.batches.plan = BatchPlan(validating_polls=0, items_per_poll=4)
        status, out, err = await run_cli(
            "batch", "submit", requests, "-p", "gpt", "-c", str(config)
        )
        assert status == 0, err
        batch_id = out.strip()
        status, out, err = await run_cli("batch", "status", batch_id, "-c", str(config))
        assert status == 0, err
        status, out, err = await run_cli("batch", "cancel", batch_id, "-c", str(config))
        assert status == 0, err
        assert "cancelling" in out
        status, out, err = await run_cli(
            "batch", "results", batch_id, "-c", str(config), "--poll-interval", "0.01"
        )
        assert status == 0, err
        outcomes = {
            line["custom_id"]: line["outcome"] for line in map(json.loads, out.splitlines())
        }
        assert outcomes == {f"r{i}": "succeeded" if i < 4 else "cancelled" for i in range(10)}
        rows = {row.id.rsplit(":", 1)[1]: row for row in await ledger_rows(config)}
        assert {cid: row.outcome for cid, row in rows.items()} == {
            f"r{i}": "completed" if i < 4 else "cancelled" for i in range(10)
        }
        assert all(rows[f"r{i}"].cost == 0 for i in range(4, 10))
        assert all(rows[f"r{i}"].cost > 0 for i in range(4))
