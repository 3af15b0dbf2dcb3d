"""Added time per call of each ledger backend (a one-off measurement, not a test).

    LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python tests/ledger/bench_ledger.py [CALLS]

Sequential ``complete()`` calls to the scripted provider (no network), median of 5 rounds,
for: no ledger, then each backend with a ledger only, and with one budget too. The Redis
rows use a real redis-server on loopback started here.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from orchestify_core import loads_config
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer

PROVIDER = "providers:\n  p: {type: scripted, default_model: scripted-1}\n"
BUDGET = "budgets:\n  b: {limit_usd: 1000000, period: month}\n"
MESSAGES = [{"role": "user", "content": "hello there"}]


async def per_call(text: str, calls: int) -> float:
    registry = ProviderRegistry.from_config(loads_config(text))
    provider = registry.get("p")
    for _ in range(50):  # warm up (connections, statements)
        await provider.complete(MESSAGES)
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            await provider.complete(MESSAGES)
        rounds.append((time.perf_counter() - started) / calls)
    await registry.aclose()
    return statistics.median(rounds)


def main(calls: int) -> None:
    directory = Path(tempfile.mkdtemp())
    with RedisServer() as redis:
        cases = {
            "no ledger": PROVIDER,
            "memory": PROVIDER + "ledger: {backend: memory}\n",
            "sqlite": PROVIDER + f"ledger: {{path: '{directory / 'a.sqlite3'}'}}\n",
            "sqlite fsync": PROVIDER
            + f"ledger: {{path: '{directory / 'b.sqlite3'}', fsync: true}}\n",
            "redis": PROVIDER + f"ledger: {{backend: redis, url: '{redis.url}', prefix: a}}\n",
        }
        results = {}
        for name, text in list(cases.items()):
            results[name] = asyncio.run(per_call(text, calls))
            if name != "no ledger":
                results[name + " + budget"] = asyncio.run(
                    per_call(text.replace("a.sqlite3", "c.sqlite3").replace("prefix: a", "prefix: c")
                             .replace("b.sqlite3", "d.sqlite3") + BUDGET, calls)
                )  # fmt: skip
    base = results["no ledger"]
    print(f"{'case':24} {'per call':>10} {'added':>10}")
    for name, value in results.items():
        print(f"{name:24} {value * 1e6:8.1f}us {(value - base) * 1e6:8.1f}us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
