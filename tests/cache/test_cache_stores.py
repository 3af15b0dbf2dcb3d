"""The cache's stores as a user meets them: bounded memory, expiry, a SQLite file that
outlives the process, stores that never hold the API key, and a store that is down."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestify_core.cache import MemoryCacheStore
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import OpenAIServer, Reply

from .conftest import provider_yaml

Build = Callable[[str], ProviderRegistry]
KEY = "sk-live-0123456789abcdefSECRET"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_memory_evicts_the_least_recently_used_past_max_bytes(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory, max_bytes: 4096}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    cache = registry.cache
    assert cache is not None
    store = cache.store
    assert isinstance(store, MemoryCacheStore)
    for index in range(8):  # each answer is ~1 KB stored: the cache holds three or so
        openai_server.enqueue(Reply(text=f"{index}" * 600))
        await provider.complete(ask(f"q{index}"), temperature=0)
        await provider.complete(ask("q0"), temperature=0)  # q0 stays the most recently used
    assert store.size <= 4096
    assert 1 < len(store) < 8
    assert openai_server.requests_received == 8
    assert (await provider.complete(ask("q0"), temperature=0)).cached
    assert (await provider.complete(ask("q7"), temperature=0)).cached
    assert not (await provider.complete(ask("q1"), temperature=0)).cached  # evicted
    assert openai_server.requests_received == 9


async def test_sqlite_deletes_the_oldest_past_max_bytes(
    tmp_path: Path, registries: Build, openai_server: OpenAIServer
) -> None:
    import sqlite3

    path = tmp_path / "answers.sqlite3"
    registry = registries(
        f"cache: {{backend: sqlite, path: '{path}', max_bytes: 4096}}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    for index in range(8):  # each answer is ~1 KB stored: the file holds three or so
        openai_server.enqueue(Reply(text=f"{index}" * 600))
        await provider.complete(ask(f"q{index}"), temperature=0)
    assert (await provider.complete(ask("q7"), temperature=0)).cached
    assert not (await provider.complete(ask("q0"), temperature=0)).cached  # the oldest went
    assert openai_server.requests_received == 9
    await registry.aclose()
    with sqlite3.connect(path) as connection:
        total, count = connection.execute("SELECT SUM(size), COUNT(*) FROM entries").fetchone()
        [kept] = connection.execute("SELECT value FROM meta WHERE name = 'bytes'").fetchone()
    assert total == kept <= 4096
    assert 1 < count < 8


async def test_entries_expire_after_their_ttl(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml(ttl=2)
        + "providers:\n"
        + provider_yaml("p", openai_server.base_url)
        + provider_yaml("long", openai_server.base_url, extra="cache: {ttl: 3600}")
    )
    provider, long_lived = registry.get("p"), registry.get("long")
    await provider.complete(ask("soon stale"), temperature=0)
    assert (await provider.complete(ask("soon stale"), temperature=0)).cached  # stored
    await long_lived.complete(ask("kept"), temperature=0, max_tokens=50)
    await asyncio.sleep(2.5)  # past the ttl (this waits; nothing is timed)
    assert not (await provider.complete(ask("soon stale"), temperature=0)).cached
    assert (await long_lived.complete(ask("kept"), temperature=0, max_tokens=50)).cached
    assert openai_server.requests_received == 3


async def test_the_sqlite_cache_outlives_the_process(
    tmp_path: Path, registries: Build, openai_server: OpenAIServer
) -> None:
    path = tmp_path / "answers.sqlite3"
    config = tmp_path / "orchestify.yaml"
    config.write_text(
        f"cache: {{backend: sqlite, path: '{path}'}}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
    )
    script = textwrap.dedent(f"""
        import asyncio, json
        from orchestify_core import load_config
        from orchestify_core.registry import ProviderRegistry

        async def main():
            registry = ProviderRegistry.from_config(load_config({str(config)!r}))
            answer = await registry.get("p").complete(
                [{{"role": "user", "content": "remember me"}}], temperature=0)
            await registry.aclose()
            print(json.dumps([answer.content, answer.cached]))

        asyncio.run(main())
    """)

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    first = await asyncio.to_thread(run)
    second = await asyncio.to_thread(run)
    assert first == '["echo: remember me", false]'
    assert second == '["echo: remember me", true]'
    assert openai_server.requests_received == 1


def _read_all(folder: Path, prefix: str) -> bytes:
    """The bytes of every file whose name starts with ``prefix`` (the database, its WAL)."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.name.startswith(prefix))


def _spellings(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, hashlib.sha256(raw).hexdigest().encode(), hashlib.sha256(raw).digest(),
            hashlib.md5(raw).hexdigest().encode(), hashlib.sha1(raw).hexdigest().encode()]  # fmt: skip


async def test_the_api_key_is_never_in_the_sqlite_file(
    tmp_path: Path, registries: Build, openai_server: OpenAIServer
) -> None:
    path = tmp_path / "answers.sqlite3"
    registry = registries(
        f"cache: {{backend: sqlite, path: '{path}'}}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url, key=KEY)
    )
    await registry.get("p").complete(ask("keep my key out"), temperature=0)
    assert (await registry.get("p").complete(ask("keep my key out"), temperature=0)).cached
    await registry.aclose()
    content = await asyncio.to_thread(_read_all, tmp_path, "answers.sqlite3")
    assert b"keep my key out" in content  # the answer is in there...
    for spelling in _spellings(KEY):
        assert spelling not in content  # ...the key is not, nor a plain hash of it


async def test_the_api_key_is_never_in_redis(
    redis_server: RedisServer, registries: Build, openai_server: OpenAIServer
) -> None:
    import redis.asyncio

    registry = registries(
        f"cache: {{backend: redis, url: '{redis_server.url}', prefix: keycheck}}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url, key=KEY)
    )
    await registry.get("p").complete(ask("keep my key out"), temperature=0)
    client = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        names = [name async for name in client.scan_iter(match="{keycheck}*")]
        values = [await client.get(name) for name in names]
    finally:
        await client.aclose()
    assert len(names) == 2  # the salt and the entry
    content = b"".join(names) + b"".join(value or b"" for value in values)
    assert b"keep my key out" in content
    for spelling in _spellings(KEY):
        assert spelling not in content


async def test_a_store_that_is_down_never_fails_a_call(
    registries: Build, openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    registry = registries(
        "cache: {backend: redis, url: 'redis://127.0.0.1:1/0', timeout: 0.5}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
    )
    first = await registry.get("p").complete(ask("hello"), temperature=0)
    second = await registry.get("p").complete(ask("hello"), temperature=0)
    assert (first.cached, second.cached) == (False, False)
    assert openai_server.requests_received == 2
    warnings = [r for r in caplog.records if "response cache unreachable" in r.getMessage()]
    assert len(warnings) == 1


async def test_an_entry_it_cannot_read_is_replaced(
    tmp_path: Path, registries: Build, openai_server: OpenAIServer
) -> None:
    import sqlite3

    path = tmp_path / "answers.sqlite3"
    registry = registries(
        f"cache: {{backend: sqlite, path: '{path}'}}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    await provider.complete(ask("hello"), temperature=0)
    with sqlite3.connect(path) as connection:  # as an older or newer version might leave it
        connection.execute("UPDATE entries SET value = ?", (b'{"v": 999}',))
    assert not (await provider.complete(ask("hello"), temperature=0)).cached
    assert (await provider.complete(ask("hello"), temperature=0)).cached
    assert openai_server.requests_received == 2
