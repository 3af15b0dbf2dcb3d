"""A worker process of the fleet proofs.

``python _fleet_worker.py CONFIG calls N START``: N concurrent calls, each once, from the
wall-clock time START (so that every worker starts together); prints the
outcomes as one JSON line. ``python _fleet_worker.py CONFIG loops N``: N concurrent loops
each calling until the circuit breaker refuses (a provider that is down); prints how many
calls each outcome had.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

from orchestify_core import CircuitOpenError, RateLimitError, load_config
from orchestify_core.errors import RateLimitWaitError
from orchestify_core.registry import ProviderRegistry

HELLO = [{"role": "user", "content": "hello"}]


async def one(registry: ProviderRegistry, outcomes: Counter[str]) -> None:
    try:
        await registry.get("p").complete(HELLO, max_tokens=16)
    except RateLimitWaitError:
        outcomes["waited too long"] += 1
    except RateLimitError:
        outcomes["429"] += 1
    except Exception as exc:
        outcomes[f"{type(exc).__name__}: {exc}"[:200]] += 1
    else:
        outcomes["ok"] += 1


async def loop(registry: ProviderRegistry, outcomes: Counter[str]) -> None:
    while True:
        try:
            await registry.get("p").complete(HELLO, max_tokens=16)
        except CircuitOpenError:
            outcomes["stopped"] += 1
            return
        except Exception as exc:
            outcomes[type(exc).__name__] += 1
        await asyncio.sleep(0.01)


async def main(config: str, mode: str, count: int, start: float) -> dict[str, int]:
    registry = ProviderRegistry.from_config(load_config(config))
    await asyncio.sleep(max(start - time.time(), 0))
    outcomes: Counter[str] = Counter()
    work = one if mode == "calls" else loop
    try:
        await asyncio.gather(*(work(registry, outcomes) for _ in range(count)))
    finally:
        await registry.aclose()
    return dict(outcomes)


if __name__ == "__main__":
    start = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    outcomes = asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), start))
    print(json.dumps(outcomes), flush=True)
