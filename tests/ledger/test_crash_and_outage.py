"""A worker killed mid-call, and a Redis that goes away mid-run.

- ``kill -9`` of a worker holding reservations: the holds count until their lease lapses
  (the call's timeout + ``lease_grace``), then no longer; what was recorded before stays,
  and a new process reads the totals back.
- Redis killed mid-run: with ``when_unavailable: refuse`` calls fail with a clear error and
  nothing is sent; with ``proceed`` they go through, their records wait in memory and are
  written once when Redis is back (restarted from its append-only file).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core import LedgerUnavailableError, load_config, loads_config
from orchestify_core.ledger import Ledger
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import Reply, ServerProcess

from .test_budget_proof import WORKER, ledger_section, run_workers, write_config


@pytest.fixture(scope="module")
def server() -> ServerProcess:
    pytest.importorskip("orchestify_openai")
    with ServerProcess("openai", record_limit=None) as proc:
        yield proc


def read_status(config: Path) -> tuple[int, Decimal, Decimal, int]:
    """(rows, spent, reserved, calls in flight) as a fresh reader sees them."""

    async def read() -> tuple[int, Decimal, Decimal, int]:
        ledger = Ledger.from_config(load_config(config))
        assert ledger is not None
        try:
            rows = await ledger.rows()
            (status,) = await ledger.budget_status()
            return len(rows), status.spent_usd, status.reserved_usd, status.in_flight
        finally:
            await ledger.aclose()

    return asyncio.run(read())


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_kill_9_mid_call_releases_the_hold_after_its_lease(
    kind: str, server: ServerProcess, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis = request.getfixturevalue("redis_server") if kind == "redis" else None
    section = ledger_section(kind, tmp_path, redis) + "  lease_grace: 0.5\n"
    config = write_config(tmp_path / "c.yaml", server, section.replace("timeout: 30", ""))
    config.write_text(config.read_text().replace("timeout: 30", "timeout: 4"))
    server.control.reset()
    server.control.enqueue(*[Reply(text="ok", input_tokens=40, output_tokens=45)] * 3)
    assert run_workers(config, processes=1, calls=3) == {"ok": 3}
    assert read_status(config)[:2] == (3, Decimal("0.000390"))

    server.control.enqueue(*[Reply(hang=True)] * 5)
    worker = subprocess.Popen([sys.executable, str(WORKER), str(config), "5"])
    try:
        deadline = time.monotonic() + 20
        while read_status(config)[3] < 5:
            assert time.monotonic() < deadline, "the worker never held its 5 calls"
            time.sleep(0.05)
        worker.kill()  # SIGKILL: no finally, no settle
        worker.wait(5)
        killed_at = time.monotonic()
        rows, spent, reserved, in_flight = read_status(config)
        assert (rows, spent) == (3, Decimal("0.000390"))  # nothing recorded before is lost
        # Each hold: the plugin's count of the prompt (tiktoken: 25 tokens for 200 x's, 7 of
        # chat framing) at $1/M, plus max_tokens 50 at $2/M.
        assert reserved == Decimal("0.000132") * 5
        assert in_flight == 5

        while read_status(config)[3]:
            assert time.monotonic() - killed_at < 15, "the holds never lapsed"
            time.sleep(0.2)
        assert read_status(config) == (3, Decimal("0.000390"), Decimal(0), 0)
    finally:
        worker.kill()
        worker.wait(5)


SCRIPTED = "providers:\n  p: {type: scripted, default_model: scripted-1, retry: {max_retries: 0}}\n"


@pytest.fixture
def own_redis() -> RedisServer:
    with RedisServer(persistent=True) as redis:
        yield redis


async def call(registry: ProviderRegistry, n: int) -> None:
    provider = registry.get("p")
    for _ in range(n):
        await provider.complete([{"role": "user", "content": "hello there"}], max_tokens=20)


async def test_redis_outage_refuse_sends_nothing(own_redis: RedisServer) -> None:
    config = loads_config(
        SCRIPTED + f"ledger: {{backend: redis, url: '{own_redis.url}', timeout: 1}}\n"
        "budgets:\n  b: {limit_usd: 10, period: month}\n"
    )
    registry = ProviderRegistry.from_config(config)
    await call(registry, 2)
    own_redis.kill()
    with pytest.raises(LedgerUnavailableError, match=r"not sent.*cannot be reached.*refuse"):
        await call(registry, 1)
    assert len(registry.get("p").client.requests) == 2  # the refused call was not sent
    own_redis.start()
    await call(registry, 1)
    assert len(await registry.ledger.rows()) == 3  # restarted from its append-only file
    await registry.aclose()


async def test_redis_outage_proceed_records_each_call_once(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = loads_config(
        SCRIPTED + f"ledger: {{backend: redis, url: '{own_redis.url}', timeout: 1, "
        "when_unavailable: proceed}\n"
        "budgets:\n  b: {limit_usd: 10, period: month}\n"
    )
    registry = ProviderRegistry.from_config(config)
    ledger = registry.ledger
    assert ledger is not None
    await call(registry, 3)
    own_redis.kill()
    await call(registry, 3)  # unchecked, records kept in memory
    assert "unreachable" in caplog.text
    assert await ledger.flush() == 3  # still waiting
    own_redis.start()
    await call(registry, 2)  # the first write after the outage writes the waiting ones first
    assert await ledger.flush() == 0
    rows = await ledger.rows()
    sent = registry.get("p").client.requests
    assert len(sent) == 8
    assert len(rows) == 8
    assert len({r.id for r in rows}) == 8
    (status,) = await ledger.budget_status()
    assert status.spent_usd == sum((r.cost for r in rows), Decimal(0))
    await registry.aclose()
