"""Helpers of the batch tests: a config aimed at a loopback server, the CLI as a process."""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from pathlib import Path

from orchestify_core import load_config
from orchestify_core.ledger import Ledger
from orchestify_core.store import AttemptRow
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import AnthropicServer

MODEL = "claude-haiku-4-5"


def write_config(path: Path, server: AnthropicServer, ledger: str = "") -> Path:
    path.write_text(
        "providers:\n"
        "  claude:\n"
        "    type: anthropic\n"
        f"    default_model: {MODEL}\n"
        f"    base_url: {server.base_url}\n"
        "    api_key: sk-ant-batch-test\n"
        "    retry: {max_retries: 0}\n" + ledger
    )
    return path


def ledger_section(kind: str, tmp_path: Path, redis: RedisServer | None, prefix: str) -> str:
    if kind == "sqlite":
        return f"ledger:\n  backend: sqlite\n  path: {tmp_path / 'ledger.sqlite3'}\n"
    assert redis is not None
    return f"ledger:\n  backend: redis\n  url: {redis.url}\n  prefix: {prefix}\n"


def write_requests(path: Path, count: int) -> Path:
    lines = (
        json.dumps({"custom_id": f"r{i}", "messages": [{"role": "user", "content": f"n{i}"}]})
        for i in range(count)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


async def cli(*args: str, stdout: int = asyncio.subprocess.PIPE) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "orchestify_core.cli", *args,
        stdout=stdout, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await cli(*args)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def ledger_rows(config: Path) -> list[AttemptRow]:
    ledger = Ledger.from_config(load_config(config))
    assert ledger is not None
    try:
        return await ledger.rows()
    finally:
        await ledger.aclose()


def total(rows: list[AttemptRow]) -> Decimal:
    return sum((row.cost for row in rows if row.cost is not None), Decimal(0))
