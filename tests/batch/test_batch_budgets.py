"""A batch against the budgets: its whole worst case (every item's input plus max_tokens,
at the batch price) must fit when it is submitted; nothing stays held, and the results are
debited as they are collected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core import BudgetExceededError, loads_config
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.servers import AnthropicServer

from ._helpers import write_config


def _requests(count: int) -> list[dict[str, object]]:
    return [
        {"custom_id": f"r{i}", "messages": [{"role": "user", "content": f"question {i}"}],
         "max_tokens": 100}
        for i in range(count)
    ]  # fmt: skip


async def test_a_batch_whose_worst_case_does_not_fit_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    async with AnthropicServer() as server:
        budgets = "budgets:\n  small: {limit_usd: 0.001, period: total}\n"
        text = write_config(tmp_path / "c.yaml", server, "ledger: {backend: memory}\n" + budgets)
        registry = ProviderRegistry.from_config(loads_config(text.read_text()))
        provider = registry.get("claude")
        requests = _requests(40)  # 40 x (about 10 + 100 tokens) at $2.5/Mtok out: ~$0.005
        with pytest.raises(BudgetExceededError) as caught:
            await provider.batch(requests)
        message = str(caught.value)
        assert message.startswith(
            "budget 'small' (everything, total total) refused the batch of 40 requests to "
            "claude before sending it: its worst case ($"
        )
        assert "$0.000000 spent + $0.000000 reserved of $0.001" in message
        assert server.requests == []
        statuses = await registry.ledger.budget_status()  # type: ignore[union-attr]
        assert [(s.spent_usd, s.reserved_usd, s.in_flight) for s in statuses] == [
            (Decimal(0), Decimal(0), 0)
        ]
        await registry.aclose()


async def test_a_batch_that_fits_holds_nothing_and_its_results_are_debited(
    tmp_path: Path,
) -> None:
    async with AnthropicServer() as server:
        budgets = "budgets:\n  roomy: {limit_usd: 1, period: total}\n"
        text = write_config(tmp_path / "c.yaml", server, "ledger: {backend: memory}\n" + budgets)
        registry = ProviderRegistry.from_config(loads_config(text.read_text()))
        provider = registry.get("claude")
        job = await provider.batch(_requests(40))
        ledger = registry.ledger
        assert ledger is not None
        (before,) = await ledger.budget_status()
        assert (before.spent_usd, before.reserved_usd, before.in_flight) == (Decimal(0), 0, 0)
        await job.wait(poll_interval=0.01)
        results = [result async for result in job.results()]
        assert len(results) == 40
        await ledger.flush()
        (after,) = await ledger.budget_status()
        costs = sum((r.response.cost_usd for r in results if r.response is not None), Decimal(0))
        assert after.spent_usd == costs > 0
        assert (after.reserved_usd, after.in_flight) == (Decimal(0), 0)
        await registry.aclose()
