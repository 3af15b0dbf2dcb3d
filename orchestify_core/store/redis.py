"""The Redis ledger store: one ledger and one set of budgets for many machines.

Reservations and settlements are Lua scripts (atomic in Redis); every key of a ledger
shares one hash tag (``{prefix}``), so the store also works on a Redis Cluster. Each event
loop of the process gets its own client (redis-py's asyncio clients belong to one loop).

Durability when ``complete()`` returns: the attempt's row is in Redis's memory; on disk only
as Redis's own persistence makes it (``appendonly yes`` with ``appendfsync always``: every
write; ``everysec``: at most a second lost on a crash of Redis).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ._batch_jobs import BatchJobRow
from ._redis_scripts import RESERVE, SETTLE, SPEND
from .base import AttemptRow, Charge, Debit, LedgerStore, Refusal, Spend, StoreError

__all__ = ["RedisStore"]

_ROWS_PER_FETCH = 500


def _where(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    host = parts.hostname or parts.path
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path if parts.hostname else ''}"


class LoopClients:
    """One redis-py client, with its Lua scripts registered, per event loop: a client's
    connections belong to the loop that opened them. Shared by the Redis stores."""

    def __init__(self, connect: Callable[[], Any], scripts: Mapping[str, str]) -> None:
        self._connect = connect
        self._scripts = dict(scripts)
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[Any, dict[str, Any]]
        ] = weakref.WeakKeyDictionary()

    def get(self) -> tuple[Any, dict[str, Any]]:
        """The current loop's client and its scripts by name, made on first use."""
        loop = asyncio.get_running_loop()
        entry = self._by_loop.get(loop)
        if entry is None:
            client = self._connect()
            scripts = {name: client.register_script(text) for name, text in self._scripts.items()}
            entry = self._by_loop[loop] = (client, scripts)
        return entry

    async def aclose(self) -> None:
        """Close the current loop's client and its connection pool."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        entry = self._by_loop.pop(loop, None)
        if entry is not None:
            await entry[0].aclose()
            await entry[0].connection_pool.disconnect()


class RedisStore(LedgerStore):
    """A ledger in Redis under ``{prefix}:*`` keys."""

    name = "redis"
    durability = (
        "in Redis's memory when the call returns; on disk as Redis's persistence makes it "
        "(appendonly yes + appendfsync always: every write)"
    )

    def __init__(self, url: str, *, prefix: str = "orchestify", timeout: float = 5.0) -> None:
        self._url = url
        self.timeout = timeout
        self._tag = "{" + prefix + "}"
        self._clients = LoopClients(
            self._connect, {"reserve": RESERVE, "settle": SETTLE, "spend": SPEND}
        )

    def describe(self) -> str:
        return f"redis {_where(self._url)} prefix {self._tag}"

    def _connect(self) -> Any:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        return redis.asyncio.Redis.from_url(
            self._url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
        )

    def _key(self, kind: str, name: str = "") -> str:
        return f"{self._tag}:{kind}:{name}" if name else f"{self._tag}:{kind}"

    def _client(self) -> tuple[Any, dict[str, Any]]:
        return self._clients.get()

    async def _call(self, what: str, work: Any) -> Any:
        import redis.exceptions

        try:
            return await work
        except (redis.exceptions.RedisError, OSError) as exc:
            raise StoreError(
                f"ledger {self.describe()}: {what} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _pair(self, key: str) -> list[str]:
        return [self._key("spend", key), self._key("holds", key)]

    async def reserve(
        self, hold_id: str, charges: Sequence[Charge], now: float, lease_until: float
    ) -> Refusal | None:
        _, scripts = self._client()
        keys = [k for charge in charges for k in self._pair(charge.key)]
        args: list[Any] = [hold_id, f"{max(lease_until - now, 0.001):.6f}"]
        for c in charges:
            args += [c.nano, c.tokens, -1 if c.limit_nano is None else c.limit_nano,
                     -1 if c.limit_tokens is None else c.limit_tokens, int(c.enforce)]  # fmt: skip
        answer = await self._call("reserve", scripts["reserve"](keys=keys, args=args))
        if int(answer[0]) == 0:
            return None
        index, *state = (int(value) for value in answer)
        charge = charges[index - 1]
        return Refusal(charge.key, Spend(*state), charge)

    async def release(self, hold_id: str, keys: Sequence[str]) -> None:
        client, _ = self._client()
        pipe = client.pipeline(transaction=True)
        for key in keys:
            pipe.hdel(self._key("holds", key), hold_id)
        await self._call("release", pipe.execute())

    async def settle(
        self, row: AttemptRow, hold_id: str | None, debits: Sequence[Debit]
    ) -> Mapping[str, Spend] | None:
        _, scripts = self._client()
        keys = [self._key("rows"), self._key("time")]
        keys += [k for debit in debits for k in self._pair(debit.key)]
        args: list[Any] = [row.id, row.to_json(), repr(row.time), hold_id or ""]
        for debit in debits:
            args += [debit.nano, debit.tokens]
        answer = await self._call("settle", scripts["settle"](keys=keys, args=args))
        if answer is None:
            return None
        values = [int(value) for value in answer]
        return {d.key: Spend(values[2 * i], values[2 * i + 1]) for i, d in enumerate(debits)}

    async def rows(
        self, since: float | None = None, until: float | None = None
    ) -> list[AttemptRow]:
        client, _ = self._client()
        low = "-inf" if since is None else repr(since)
        high = "+inf" if until is None else f"({until!r}"
        ids = await self._call("rows", client.zrangebyscore(self._key("time"), low, high))
        rows: list[AttemptRow] = []
        for start in range(0, len(ids), _ROWS_PER_FETCH):
            chunk = ids[start : start + _ROWS_PER_FETCH]
            texts = await self._call("rows", client.hmget(self._key("rows"), chunk))
            rows.extend(AttemptRow.from_json(text) for text in texts if text is not None)
        rows.sort(key=lambda row: (row.time, row.id))
        return rows

    async def spend(self, keys: Sequence[str], now: float) -> dict[str, Spend]:
        if not keys:
            return {}
        _, scripts = self._client()
        redis_keys = [k for key in keys for k in self._pair(key)]
        answer = await self._call("spend", scripts["spend"](keys=redis_keys, args=[]))
        values = [int(value) for value in answer]
        return {key: Spend(*values[5 * i : 5 * i + 5]) for i, key in enumerate(keys)}

    async def claim_alert(self, key: str, threshold: str) -> bool:
        client, _ = self._client()
        field = f"{key}|{threshold}"
        claimed = await self._call("alert", client.hsetnx(self._key("alerts"), field, "1"))
        return bool(claimed)

    async def put_batch_job(self, job: BatchJobRow) -> None:
        client, _ = self._client()
        await self._call("batch job", client.hset(self._key("batch_jobs"), job.id, job.to_json()))

    async def batch_job(self, batch_id: str) -> BatchJobRow | None:
        client, _ = self._client()
        text = await self._call("batch job", client.hget(self._key("batch_jobs"), batch_id))
        return None if text is None else BatchJobRow.from_json(text)

    async def recorded(self, row_ids: Sequence[str]) -> set[str]:
        client, _ = self._client()
        found: set[str] = set()
        for start in range(0, len(row_ids), _ROWS_PER_FETCH):
            chunk = list(row_ids[start : start + _ROWS_PER_FETCH])
            texts = await self._call("rows", client.hmget(self._key("rows"), chunk))
            found.update(row_id for row_id, text in zip(chunk, texts, strict=True) if text)
        return found

    async def aclose(self) -> None:
        await self._clients.aclose()
