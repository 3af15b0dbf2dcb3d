"""The proof of the budgets: 4 OS processes x 50 concurrent calls against one budget, through
one SQLite file and through Redis, with a loopback server counting the requests it gets.

Every call's worst case is 50 input tokens (200 characters) + 50 output tokens at $1/$2 per
million: $0.000150; each answer really uses 40 + 45 tokens: $0.000130. The budget of $0.02
fits 133 worst cases at once, and the 200 calls would spend $0.026 if all went through.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core import load_config
from orchestify_core.ledger import Ledger
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import Reply, ServerProcess

WORKER = Path(__file__).with_name("_worker.py")
PROCESSES = 4
CALLS = 50
LIMIT = Decimal("0.02")
ACTUAL = Decimal("0.000130")


@pytest.fixture(scope="module")
def server() -> ServerProcess:
    pytest.importorskip("orchestify_openai")
    with ServerProcess("openai", record_limit=None) as proc:
        yield proc


def write_config(path: Path, server: ServerProcess, ledger: str, *, budget: str = "") -> Path:
    budget = budget or f"  shared: {{limit_usd: {LIMIT}, period: total}}\n"
    path.write_text(
        "providers:\n  p:\n    type: openai\n    api_key: k-ledger\n"
        f"    default_model: gpt-4o-mini\n    base_url: {server.base_url}\n    timeout: 30\n"
        "    retry: {max_retries: 0}\n"
        "    prices: {gpt-4o-mini: {input: 1, output: 2}}\n"
        f"{ledger}budgets:\n{budget}"
    )
    return path


def ledger_section(kind: str, tmp_path: Path, redis: RedisServer | None) -> str:
    if kind == "sqlite":
        return f"ledger:\n  backend: sqlite\n  path: {tmp_path / 'shared.sqlite3'}\n"
    assert redis is not None
    return f"ledger:\n  backend: redis\n  url: {redis.url}\n  prefix: proof-{tmp_path.name}\n"


def run_workers(config: Path, processes: int = PROCESSES, calls: int = CALLS) -> dict[str, int]:
    """Start every worker at once; the outcomes of their calls, added up."""
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(config), str(calls)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    total: dict[str, int] = {}
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
        for key, count in json.loads(out.decode().strip().splitlines()[-1]).items():
            total[key] = total.get(key, 0) + count
    return total


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_four_processes_never_overspend_one_budget(
    kind: str, server: ServerProcess, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    redis = request.getfixturevalue("redis_server") if kind == "redis" else None
    server.control.reset()
    server.control.enqueue(
        *[Reply(text="ok", input_tokens=40, output_tokens=45, first_byte_delay=0.05)] * 200
    )
    config = write_config(tmp_path / "c.yaml", server, ledger_section(kind, tmp_path, redis))
    before = server.control.state()["requests_received"]

    outcomes = run_workers(config)

    assert set(outcomes) <= {"ok", "refused"}, outcomes
    assert outcomes["ok"] + outcomes["refused"] == PROCESSES * CALLS
    assert outcomes["refused"] > 0
    assert outcomes["ok"] > 0
    requests_seen = server.control.state()["requests_received"] - before
    # Every refused call was refused before it reached the server.
    assert requests_seen == outcomes["ok"]

    async def read_back() -> tuple[list, list]:
        ledger = Ledger.from_config(load_config(config))
        assert ledger is not None
        try:
            return await ledger.rows(), await ledger.budget_status()
        finally:
            await ledger.aclose()

    rows, (status,) = asyncio.run(read_back())
    assert len(rows) == requests_seen
    assert len({row.id for row in rows}) == len(rows)
    assert {row.outcome for row in rows} == {"completed"}
    total = sum((row.cost for row in rows), Decimal(0))
    assert total == ACTUAL * requests_seen  # to the last decimal place
    assert status.spent_usd == total
    overshoot = max(status.spent_usd - LIMIT, Decimal(0))
    assert overshoot == 0
    assert status.reserved_usd == 0
    assert status.in_flight == 0
    print(
        f"\n[{kind}] {PROCESSES}x{CALLS} calls: {outcomes['ok']} sent, {outcomes['refused']} "
        f"refused; spent ${status.spent_usd} of ${LIMIT} "
        f"({status.spent_usd / LIMIT:.1%}); overshoot ${overshoot}"
    )
