"""The ledger's Redis crashes while a batch's results are being collected: the collection
stops with LedgerUnavailableError, what was accounted stays accounted, and once Redis is
back the next collection accounts the rest; every result once, none lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestify_core import BatchOutcome, LedgerUnavailableError, load_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import AnthropicServer

from ._helpers import ledger_rows, ledger_section, write_config

COUNT = 20
FAST = {"poll_interval": 0.01, "max_interval": 0.01}


async def test_a_ledger_crash_mid_collection_loses_nothing_and_counts_nothing_twice(
    tmp_path: Path,
) -> None:
    with RedisServer(persistent=True) as redis:
        async with AnthropicServer() as server:
            config = write_config(
                tmp_path / "c.yaml", server, ledger_section("redis", tmp_path, redis, "outage")
            )
            registry = ProviderRegistry.from_config(
                load_config(config), plugin_manager=create_plugin_manager()
            )
            provider = registry.get("claude")
            job = await provider.batch(
                [{"messages": [{"role": "user", "content": f"m{i}"}]} for i in range(COUNT)]
            )
            first = []
            with pytest.raises(LedgerUnavailableError, match="nothing was accounted"):
                async for result in job.results(**FAST):
                    first.append(result)
                    if len(first) == 5:
                        redis.kill()
            assert len(first) == 5
            assert provider.get_usage().attempts == 5

            redis.start()
            rest = [result async for result in job.results(**FAST)]
            assert sorted(r.custom_id for r in rest) == sorted(f"request-{i}" for i in range(COUNT))
            assert all(r.outcome is BatchOutcome.SUCCEEDED for r in rest)
            before = {r.custom_id for r in rest if r.collected_before}
            assert before == {r.custom_id for r in first}
            assert provider.get_usage().attempts == COUNT
            rows = await ledger_rows(config)
            assert len(rows) == COUNT
            assert len({row.id for row in rows}) == COUNT
            await registry.aclose()
