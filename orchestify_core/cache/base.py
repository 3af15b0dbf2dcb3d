"""What every response-cache store does: entries by key with a time to live, a random salt
of its own (for the tenants' namespaces), and, where processes share the store, a lock per
key so that one process calls the provider while the others wait for its answer."""

from __future__ import annotations

import abc

__all__ = ["CacheStore", "CacheStoreError"]


class CacheStoreError(Exception):
    """The store could not be reached or did not answer (the backend's error is the cause).

    The cache never fails a call for it: the call goes to the provider instead."""


class CacheStore(abc.ABC):
    """A response-cache backend. Every method may be called from any event loop.

    Values are opaque bytes (the encoded answer); keys are hex digests that already hold the
    tenant's namespace.
    """

    #: The backend's name (``memory``, ``sqlite``, ``redis``).
    name: str = ""
    #: Whether other processes see this store's entries (and its locks mean something).
    shared: bool = False

    def describe(self) -> str:
        """Where the store is, with no secret in it."""
        return self.name

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The entry's value, or None when there is none (or it expired)."""

    @abc.abstractmethod
    async def put(
        self, key: str, value: bytes, ttl: float | None, release: str | None = None
    ) -> None:
        """Store ``value`` for ``ttl`` seconds (None: until evicted); with ``release``, also
        drop the key's lock if that token holds it (one round trip where it matters)."""

    @abc.abstractmethod
    async def salt(self) -> bytes:
        """The store's random salt: made once, the same for every process sharing it."""

    async def lock(self, key: str, token: str, ttl: float) -> bool:
        """Take the cross-process lock of ``key`` for ``ttl`` seconds; False when another
        holds it. A store no other process shares always grants it."""
        return True

    async def lock_or_get(self, key: str, token: str, ttl: float) -> bytes | bool:
        """The key's value if it is stored; else take its lock (True) or not (False: another
        process holds it)."""
        if not await self.lock(key, token, ttl):
            return False
        value = await self.get(key)  # stored between the caller's last look and the lock
        if value is not None:
            await self.unlock(key, token)
            return value
        return True

    async def locked(self, key: str) -> bool:
        """Whether another process holds the lock of ``key``."""
        return False

    async def unlock(self, key: str, token: str) -> None:  # noqa: B027 - optional
        """Drop the lock of ``key`` if ``token`` still holds it."""

    async def clear(self) -> None:  # noqa: B027 - optional
        """Forget every entry."""

    async def aclose(self) -> None:  # noqa: B027 - optional: not every store holds anything
        """Release connections and files."""
