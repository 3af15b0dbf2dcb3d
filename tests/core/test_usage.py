"""Usage accounting is exact under concurrency: integer tokens, Decimal money."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

from orchestify_core import LLMMessage, Usage
from orchestify_core.testing.scripted import ScriptedReply
from orchestify_core.usage import Attempt, Outcome, UsageLedger

CONFIG = (
    "providers:\n  fake:\n    type: scripted\n    default_model: s1\n"
    "    prices:\n      s1: {input: '0.3', output: '1.7'}\n"
)


async def test_thousand_concurrent_tasks_are_exact(build_registry) -> None:  # type: ignore[no-untyped-def]
    """1,000 concurrent completions add up to exactly the sum of their usages and costs."""
    provider = build_registry(CONFIG).get("fake")
    provider.client.enqueue(
        *[ScriptedReply(text="ok", usage=Usage(input_tokens=i, output_tokens=2 * i), delay=0.001)
          for i in range(1, 1001)]
    )  # fmt: skip
    responses = await asyncio.gather(
        *(provider.complete([LLMMessage(role="user", content="q")]) for _ in range(1000))
    )
    usage = provider.get_usage()
    assert usage.call_count == 1000
    assert usage.total_input == sum(range(1, 1001))
    assert usage.total_output == 2 * sum(range(1, 1001))
    exact = (
        Decimal("0.3") * sum(range(1, 1001)) + Decimal("1.7") * 2 * sum(range(1, 1001))
    ) / 10**6
    assert usage.cost == exact
    assert sum(r.cost_usd for r in responses if r.cost_usd is not None) == exact


def test_sixteen_threads_thousand_updates_each() -> None:
    """16 threads x 1,000 ledger updates give the exact totals."""
    ledger = UsageLedger()
    attempt = Attempt(
        provider_id="p", model="m", outcome=Outcome.COMPLETED,
        usage=Usage(input_tokens=3, output_tokens=5, cache_read_tokens=1),
        cost=Decimal("0.000001"), latency_s=0.0,
    )  # fmt: skip
    barrier = threading.Barrier(16)

    def work() -> None:
        barrier.wait()
        for _ in range(1000):
            ledger.record(attempt)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = ledger.snapshot()
    assert usage.call_count == 16_000
    assert usage.total_input == 48_000
    assert usage.total_output == 80_000
    assert usage.total_cache_read == 16_000
    assert usage.cost == Decimal("0.016")
    assert usage.outcomes == {"completed": 16_000}


async def test_unpriced_model_is_explicit(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A model without a price is counted as unpriced, never as $0."""
    provider = build_registry(
        "providers:\n  fake:\n    type: scripted\n    default_model: s1\n    options: {unpriced: true}\n"
    ).get("fake")
    response = await provider.complete([LLMMessage(role="user", content="q")])
    assert response.cost_usd is None
    usage = provider.get_usage()
    assert usage.unpriced_attempts == 1
    assert usage.cost == 0
    assert provider.price() is None


async def test_cache_tokens_priced_separately(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Cache reads and writes are priced at their own rates, the rest at the input rate."""
    provider = build_registry(
        "providers:\n  fake:\n    type: scripted\n    default_model: s1\n"
        "    prices:\n      s1: {input: 3, output: 15, cache_read: '0.3', cache_write: '3.75'}\n"
    ).get("fake")
    usage = Usage(
        input_tokens=1000, output_tokens=100, cache_read_tokens=600, cache_write_tokens=300
    )
    provider.client.enqueue(ScriptedReply(text="cached", usage=usage))
    response = await provider.complete([LLMMessage(role="user", content="q")])
    expected = (Decimal(100) * 3 + Decimal(600) * Decimal("0.3") + Decimal(300) * Decimal("3.75")
                + Decimal(100) * 15) / 10**6  # fmt: skip
    assert response.cost_usd == expected
    assert response.cache_read_tokens == 600
    assert provider.get_usage().total_cache_write == 300
