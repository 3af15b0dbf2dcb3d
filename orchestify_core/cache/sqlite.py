"""The SQLite cache store: one file (WAL), shared by the processes of one machine, kept
across restarts; the embedded default for a persistent cache.

The connection lives in one worker thread per store, so the event loop never waits on the
file. Past ``max_bytes`` the oldest entries are deleted; expired ones go with them.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from ..store.sqlite import connect
from .base import CacheStore, CacheStoreError

__all__ = ["SQLiteCacheStore", "default_path"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY, value BLOB NOT NULL, size INTEGER NOT NULL,
    stored REAL NOT NULL, expires REAL
);
CREATE INDEX IF NOT EXISTS entries_stored ON entries (stored);
CREATE INDEX IF NOT EXISTS entries_expires ON entries (expires);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
INSERT OR IGNORE INTO meta SELECT 'bytes', COALESCE(SUM(size), 0) FROM entries;
"""


def default_path() -> Path:
    """``$XDG_CACHE_HOME/orchestify/cache.sqlite3`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orchestify" / "cache.sqlite3"


class SQLiteCacheStore(CacheStore):
    """Entries in one SQLite file (created with its directory on first use)."""

    name = "sqlite"

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 max_bytes: int = 256 * 1024 * 1024, timeout: float = 5.0) -> None:  # fmt: skip
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="orchestify-cache-sqlite")
        self._connection: sqlite3.Connection | None = None
        self._salt: bytes | None = None
        self._closed = False

    def describe(self) -> str:
        return f"sqlite {self.path}"

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = connect(self.path, self.timeout)
            connection.executescript(_SCHEMA)
            self._connection = connection
        return self._connection

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def job() -> T:
            return work(self._connect())

        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job)
        except sqlite3.Error as exc:
            raise CacheStoreError(f"cache {self.describe()}: {type(exc).__name__}: {exc}") from exc

    async def get(self, key: str) -> bytes | None:
        def work(connection: sqlite3.Connection) -> bytes | None:
            row = connection.execute(
                "SELECT value FROM entries WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (key, time.time()),
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(work)

    async def put(
        self, key: str, value: bytes, ttl: float | None, release: str | None = None
    ) -> None:
        size = len(value) + len(key)
        if size > self.max_bytes:
            return
        now = time.time()
        expires = None if ttl is None else now + ttl

        def work(connection: sqlite3.Connection) -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                old = connection.execute("SELECT size FROM entries WHERE key = ?", (key,))
                replaced = old.fetchone()
                connection.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                    (key, value, size, now, expires),
                )
                self._evict(connection, now, size - (replaced[0] if replaced else 0))
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

        await self._run(work)

    def _evict(self, connection: sqlite3.Connection, now: float, added: int) -> None:
        """Drop the expired entries, then the oldest while the total passes max_bytes; the
        total is kept in ``meta`` (no scan of the table per write)."""
        expired = "FROM entries WHERE expires IS NOT NULL AND expires <= ?"
        gone = connection.execute(f"SELECT COALESCE(SUM(size), 0) {expired}", (now,)).fetchone()
        connection.execute(f"DELETE {expired}", (now,))
        row = connection.execute("SELECT value FROM meta WHERE name = 'bytes'").fetchone()
        total = int(row[0]) + added - int(gone[0])
        if total > self.max_bytes:
            doomed: list[tuple[str]] = []
            for key, size in connection.execute("SELECT key, size FROM entries ORDER BY stored"):
                doomed.append((key,))
                total -= size
                if total <= self.max_bytes:
                    break
            connection.executemany("DELETE FROM entries WHERE key = ?", doomed)
        connection.execute("UPDATE meta SET value = ? WHERE name = 'bytes'", (total,))

    async def salt(self) -> bytes:
        if self._salt is None:

            def work(connection: sqlite3.Connection) -> bytes:
                connection.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (os.urandom(16),)
                )
                row = connection.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
                return bytes(row[0])

            self._salt = await self._run(work)
        return self._salt

    async def clear(self) -> None:
        def work(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM entries")
            connection.execute("UPDATE meta SET value = 0 WHERE name = 'bytes'")

        await self._run(work)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True

        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=False)
