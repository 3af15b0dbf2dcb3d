"""A worker process of the cross-process proof.

``python _cache_worker.py CONFIG N START``: N concurrent identical calls from the wall-clock
time START (so that every worker starts together); prints how many answers came from the
cache and how many not, and the texts, as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from orchestify_core import load_config
from orchestify_core.registry import ProviderRegistry

QUESTION = [{"role": "user", "content": "one answer for the whole fleet"}]


async def main(config: str, count: int, start: float) -> dict[str, object]:
    registry = ProviderRegistry.from_config(load_config(config))
    provider = registry.get("p")
    await asyncio.sleep(max(start - time.time(), 0))
    try:
        answers = await asyncio.gather(
            *(provider.complete(QUESTION, temperature=0) for _ in range(count))
        )
    finally:
        await registry.aclose()
    return {
        "cached": sum(answer.cached for answer in answers),
        "called": sum(not answer.cached for answer in answers),
        "texts": sorted({answer.content for answer in answers}),
    }


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
    print(json.dumps(result), flush=True)
