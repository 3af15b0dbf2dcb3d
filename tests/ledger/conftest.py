"""Fixtures of the ledger tests: a real redis-server for the session, and a ledger per
backend (memory, one SQLite file, Redis under a prefix of its own)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestify_core.testing.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

BACKENDS = ("memory", "sqlite", "redis")
_serial = itertools.count()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ledger_yaml(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., str]:
    """The ``ledger:`` section of a config for ``backend`` (a fresh store for each test)."""
    prefix = f"t{next(_serial)}-{uuid.uuid4().hex[:8]}"

    def section(**extra: object) -> str:
        lines = [f"  backend: {backend}"]
        if backend == "sqlite":
            lines.append(f"  path: {tmp_path / 'ledger.sqlite3'}")
        if backend == "redis":
            server: RedisServer = request.getfixturevalue("redis_server")
            lines += [f"  url: {server.url}", f"  prefix: {prefix}"]
        lines += [f"  {key}: {value}" for key, value in extra.items()]
        return "ledger:\n" + "\n".join(lines) + "\n"

    return section
