"""A worker process of the ledger proofs: N concurrent calls through one config.

``python _worker.py CONFIG N [HOLD_SECONDS]`` prints one JSON line: how many calls completed,
how many a budget refused (and whether anything else failed). With HOLD_SECONDS it prints
``started`` once the calls are sent, then sleeps (so that the test can kill it mid-call).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from orchestify_core import BudgetExceededError, LedgerUnavailableError, load_config
from orchestify_core.registry import ProviderRegistry

PROMPT = "x" * 200  # 50 tokens by the core's estimate, 32 by the openai type's count


async def one(registry: ProviderRegistry, index: int, outcomes: Counter[str]) -> None:
    provider = registry.get("p")
    try:
        await provider.complete(
            [{"role": "user", "content": PROMPT}], max_tokens=50, tags={"worker": sys.argv[1]}
        )
    except BudgetExceededError:
        outcomes["refused"] += 1
    except LedgerUnavailableError:
        outcomes["unavailable"] += 1
    except Exception as exc:
        outcomes[f"error {type(exc).__name__}: {exc}"[:300]] += 1
    else:
        outcomes["ok"] += 1


async def main(config_path: str, count: int) -> dict[str, int]:
    registry = ProviderRegistry.from_config(load_config(config_path))
    outcomes: Counter[str] = Counter()
    try:
        await asyncio.gather(*(one(registry, i, outcomes) for i in range(count)))
    finally:
        await registry.aclose()
    return dict(outcomes)


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    print(json.dumps(result), flush=True)
