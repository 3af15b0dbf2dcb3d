"""The Redis cache store: entries every machine shares, each with its time to live, and a
lock per key (``SET NX PX``) so that one process in the fleet calls the provider while the
others wait for its answer.

Every key is ``{prefix}:cache:...`` (one hash tag: one Redis Cluster slot). Each event loop
of the process gets its own client (redis-py's asyncio clients belong to one loop).
"""

from __future__ import annotations

import os
from typing import Any

from ..store.redis import LoopClients, _where
from .base import CacheStore, CacheStoreError

__all__ = ["RedisCacheStore"]

#: KEYS: the entry, the lock. ARGV: token, lease (ms). The entry if stored, else 1 when the
#: lock was taken, 0 when another holds it.
_LOCK_OR_GET = """
local value = redis.call('GET', KEYS[1])
if value then return value end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""

#: Deletes the lock only while the caller's token still holds it.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCacheStore(CacheStore):
    """Entries under ``{prefix}:cache:e:KEY``, locks under ``{prefix}:cache:l:KEY``."""

    name = "redis"
    shared = True

    def __init__(self, url: str, *, prefix: str = "orchestify", timeout: float = 5.0) -> None:
        self._url = url
        self.timeout = timeout
        self._tag = "{" + prefix + "}:cache"
        self._clients = LoopClients(self._connect, {"unlock": _UNLOCK, "lock_or_get": _LOCK_OR_GET})
        self._salt: bytes | None = None

    def describe(self) -> str:
        return f"redis {_where(self._url)} prefix {self._tag}"

    def _connect(self) -> Any:
        import redis.asyncio

        return redis.asyncio.Redis.from_url(
            self._url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
        )

    async def _call(self, what: str, work: Any) -> Any:
        import redis.exceptions

        try:
            return await work
        except (redis.exceptions.RedisError, OSError) as exc:
            raise CacheStoreError(
                f"cache {self.describe()}: {what} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _client(self) -> Any:
        return self._clients.get()[0]

    async def get(self, key: str) -> bytes | None:
        value = await self._call("get", self._client().get(f"{self._tag}:e:{key}"))
        return None if value is None else bytes(value)

    async def put(
        self, key: str, value: bytes, ttl: float | None, release: str | None = None
    ) -> None:
        px = None if ttl is None else max(int(ttl * 1000), 1)
        client, scripts = self._clients.get()
        if release is None:
            await self._call("put", client.set(f"{self._tag}:e:{key}", value, px=px))
            return
        pipe = client.pipeline(transaction=False)
        pipe.set(f"{self._tag}:e:{key}", value, px=px)
        await scripts["unlock"](keys=[f"{self._tag}:l:{key}"], args=[release], client=pipe)
        await self._call("put", pipe.execute())

    async def salt(self) -> bytes:
        if self._salt is None:
            client, name = self._client(), f"{self._tag}:salt"
            await self._call("salt", client.set(name, os.urandom(16), nx=True))
            self._salt = bytes(await self._call("salt", client.get(name)))
        return self._salt

    async def lock(self, key: str, token: str, ttl: float) -> bool:
        name = f"{self._tag}:l:{key}"
        taken = await self._call(
            "lock", self._client().set(name, token, nx=True, px=max(int(ttl * 1000), 1))
        )
        return bool(taken)

    async def lock_or_get(self, key: str, token: str, ttl: float) -> bytes | bool:
        script = self._clients.get()[1]["lock_or_get"]
        keys = [f"{self._tag}:e:{key}", f"{self._tag}:l:{key}"]
        answer = await self._call("lock", script(keys=keys, args=[token, max(int(ttl * 1000), 1)]))
        if isinstance(answer, bytes):
            return answer
        return bool(answer)

    async def locked(self, key: str) -> bool:
        return bool(await self._call("lock", self._client().exists(f"{self._tag}:l:{key}")))

    async def unlock(self, key: str, token: str) -> None:
        script = self._clients.get()[1]["unlock"]
        await self._call("unlock", script(keys=[f"{self._tag}:l:{key}"], args=[token]))

    async def clear(self) -> None:
        client = self._client()
        names = [name async for name in client.scan_iter(match=f"{self._tag}:e:*")]
        if names:
            await self._call("clear", client.delete(*names))

    async def aclose(self) -> None:
        await self._clients.aclose()
