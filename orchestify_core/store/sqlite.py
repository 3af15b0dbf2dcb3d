"""The SQLite ledger store: one file in WAL mode, shared by the processes of one machine.

Every change is one ``BEGIN IMMEDIATE`` transaction (a reservation checks and takes its hold
under the database's write lock, so processes never both fit into the last dollar). The
connection lives in one worker thread per store, so the event loop never waits on the file
lock or on fsync.

Durability when ``complete()`` returns: the attempt's row is committed to the WAL file; it
survives the process being killed. With ``fsync: true`` (``synchronous=FULL``) it also
survives a power loss; by default (``synchronous=NORMAL``) the last commits may be lost then.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from . import _batch_jobs
from ._batch_jobs import BatchJobRow
from .base import AttemptRow, Charge, Debit, LedgerStore, Refusal, Spend, StoreError
from .memory import fits

__all__ = ["SQLiteStore", "connect", "default_path"]


def connect(path: Path, timeout: float, *, fsync: bool = False) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` (its folder made if missing) for one
    worker thread: autocommit, WAL, ``synchronous=FULL`` with ``fsync`` else NORMAL, and
    waiting up to ``timeout`` seconds for another process's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        path, timeout=timeout, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={'FULL' if fsync else 'NORMAL'}")
    connection.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    return connection


T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY, time REAL NOT NULL, provider_id TEXT NOT NULL,
    provider_type TEXT NOT NULL, agent TEXT, model TEXT NOT NULL, outcome TEXT NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL, cost TEXT, estimated INTEGER NOT NULL,
    tags TEXT NOT NULL, latency_s REAL NOT NULL, error TEXT, saved TEXT
);
CREATE INDEX IF NOT EXISTS attempts_time ON attempts (time);
CREATE TABLE IF NOT EXISTS spend (
    key TEXT PRIMARY KEY, nano INTEGER NOT NULL, tokens INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS holds (
    hold_id TEXT NOT NULL, key TEXT NOT NULL, nano INTEGER NOT NULL, tokens INTEGER NOT NULL,
    lease_until REAL NOT NULL, PRIMARY KEY (key, hold_id)
);
CREATE TABLE IF NOT EXISTS alerts (
    key TEXT NOT NULL, threshold TEXT NOT NULL, time REAL NOT NULL,
    PRIMARY KEY (key, threshold)
);
"""
_COLUMNS = (
    "id", "time", "provider_id", "provider_type", "agent", "model", "outcome",
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "cost", "estimated", "tags", "latency_s", "error", "saved",
)  # fmt: skip
_INSERT = (
    f"INSERT OR IGNORE INTO attempts ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


def default_path() -> Path:
    """``$XDG_DATA_HOME/orchestify/ledger.sqlite3`` (``~/.local/share`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "orchestify" / "ledger.sqlite3"


def _row_values(row: AttemptRow) -> tuple[Any, ...]:
    return (
        row.id, row.time, row.provider_id, row.provider_type, row.agent, row.model,
        row.outcome, row.input_tokens, row.output_tokens, row.cache_read_tokens,
        row.cache_write_tokens, row.reasoning_tokens,
        None if row.cost is None else str(row.cost), int(row.estimated),
        json.dumps(dict(row.tags), sort_keys=True), row.latency_s, row.error,
        None if row.saved is None else str(row.saved),
    )  # fmt: skip


def _row(values: Sequence[Any]) -> AttemptRow:
    data = dict(zip(_COLUMNS, values, strict=True))
    data["cost"] = None if data["cost"] is None else Decimal(data["cost"])
    data["tags"] = json.loads(data["tags"])
    data["estimated"] = bool(data["estimated"])
    data["saved"] = None if data["saved"] is None else Decimal(data["saved"])
    return AttemptRow(**data)


def _add_saved_column(connection: sqlite3.Connection) -> None:
    """A ledger file made before cache hits were recorded gets their ``saved`` column."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
    if "saved" not in columns:
        connection.execute("ALTER TABLE attempts ADD COLUMN saved TEXT")


class SQLiteStore(LedgerStore):
    """A ledger in one SQLite file (created with its directory on first use)."""

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str] | None = None, *, fsync: bool = False,
                 timeout: float = 30.0) -> None:  # fmt: skip
        self.path = Path(path) if path is not None else default_path()
        self.fsync = fsync
        self.timeout = timeout
        self.durability = (
            "on disk when the call returns (WAL, synchronous=FULL): survives a crash and a "
            "power loss"
            if fsync
            else "in the WAL file when the call returns (synchronous=NORMAL): survives the "
            "process being killed; a power loss may lose the last commits"
        )
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="orchestify-ledger-sqlite")
        self._connection: sqlite3.Connection | None = None

    def describe(self) -> str:
        return f"sqlite {self.path}"

    # ------------------------------------------------------------------ the worker thread

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = connect(self.path, self.timeout, fsync=self.fsync)
            connection.executescript(_SCHEMA + _batch_jobs.SQLITE_SCHEMA)
            _add_saved_column(connection)
            self._connection = connection
        return self._connection

    async def _run(self, work: Callable[[sqlite3.Connection], T], write: bool = True) -> T:
        def job() -> T:
            connection = self._connect()
            if not write:
                return work(connection)
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        except sqlite3.Error as exc:
            raise StoreError(f"ledger {self.describe()}: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _state(connection: sqlite3.Connection, key: str, now: float) -> Spend:
        connection.execute("DELETE FROM holds WHERE key = ? AND lease_until <= ?", (key, now))
        spent = connection.execute(
            "SELECT nano, tokens FROM spend WHERE key = ?", (key,)
        ).fetchone()
        held = connection.execute(
            "SELECT COALESCE(SUM(nano), 0), COALESCE(SUM(tokens), 0), COUNT(*) FROM holds "
            "WHERE key = ?",
            (key,),
        ).fetchone()
        nano, tokens = spent if spent is not None else (0, 0)
        return Spend(nano, tokens, held[0], held[1], held[2])

    # ------------------------------------------------------------------ the interface

    async def reserve(
        self, hold_id: str, charges: Sequence[Charge], now: float, lease_until: float
    ) -> Refusal | None:
        def work(connection: sqlite3.Connection) -> Refusal | None:
            for charge in charges:
                state = self._state(connection, charge.key, now)
                if not fits(state, charge):
                    return Refusal(charge.key, state, charge)
            connection.executemany(
                "INSERT OR REPLACE INTO holds VALUES (?, ?, ?, ?, ?)",
                [(hold_id, c.key, c.nano, c.tokens, lease_until) for c in charges],
            )
            return None

        return await self._run(work)

    async def release(self, hold_id: str, keys: Sequence[str]) -> None:
        def work(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM holds WHERE hold_id = ?", (hold_id,))

        await self._run(work)

    async def settle(
        self, row: AttemptRow, hold_id: str | None, debits: Sequence[Debit]
    ) -> Mapping[str, Spend] | None:
        def work(connection: sqlite3.Connection) -> Mapping[str, Spend] | None:
            if hold_id is not None:
                connection.execute("DELETE FROM holds WHERE hold_id = ?", (hold_id,))
            if connection.execute(_INSERT, _row_values(row)).rowcount == 0:
                return None
            connection.executemany(
                "INSERT INTO spend VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "nano = nano + excluded.nano, tokens = tokens + excluded.tokens",
                [(d.key, d.nano, d.tokens) for d in debits],
            )
            now = time.time()
            return {d.key: self._state(connection, d.key, now) for d in debits}

        return await self._run(work)

    async def rows(
        self, since: float | None = None, until: float | None = None
    ) -> list[AttemptRow]:
        low = float("-inf") if since is None else since
        high = float("inf") if until is None else until

        def work(connection: sqlite3.Connection) -> list[AttemptRow]:
            cursor = connection.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM attempts WHERE time >= ? AND time < ? "
                "ORDER BY time, id",
                (low, high),
            )
            return [_row(values) for values in cursor]

        return await self._run(work, write=False)

    async def spend(self, keys: Sequence[str], now: float) -> dict[str, Spend]:
        def work(connection: sqlite3.Connection) -> dict[str, Spend]:
            return {key: self._state(connection, key, now) for key in keys}

        return await self._run(work)

    async def claim_alert(self, key: str, threshold: str) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?)", (key, threshold, time.time())
            )
            return cursor.rowcount == 1

        return await self._run(work)

    async def put_batch_job(self, job: BatchJobRow) -> None:
        await self._run(lambda connection: _batch_jobs.sqlite_put_job(connection, job))

    async def batch_job(self, batch_id: str) -> BatchJobRow | None:
        return await self._run(
            lambda connection: _batch_jobs.sqlite_get_job(connection, batch_id), write=False
        )

    async def recorded(self, row_ids: Sequence[str]) -> set[str]:
        return await self._run(
            lambda connection: _batch_jobs.sqlite_recorded(connection, row_ids), write=False
        )

    async def aclose(self) -> None:
        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=False)
