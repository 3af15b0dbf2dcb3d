"""The memory cache store: this process only, least recently used entries evicted past
``max_bytes``."""

from __future__ import annotations

import collections
import os
import threading
import time

from .base import CacheStore

__all__ = ["MemoryCacheStore"]

#: What an entry costs beyond its value (key, bookkeeping), counted against max_bytes.
ENTRY_OVERHEAD = 200


class MemoryCacheStore(CacheStore):
    """Entries in an ordered dict (least recently used first), guarded by one lock so that
    threads with loops of their own can share it."""

    name = "memory"

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[str, tuple[bytes, float | None]] = (
            collections.OrderedDict()
        )
        self._bytes = 0
        self._salt = os.urandom(16)

    @property
    def size(self) -> int:
        """The bytes the entries take, as counted against ``max_bytes``."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            value, expires = entry
            if expires is not None and expires <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    async def put(
        self, key: str, value: bytes, ttl: float | None, release: str | None = None
    ) -> None:
        cost = len(value) + len(key) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return  # larger than the whole cache: never stored
        expires = None if ttl is None else time.monotonic() + ttl
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (value, expires)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        value, _ = self._entries.pop(key)
        self._bytes -= len(value) + len(key) + ENTRY_OVERHEAD

    async def salt(self) -> bytes:
        return self._salt

    async def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
