"""Message Batches through the anthropic SDK against the loopback server's batch emulation.

The proof of the batch path: a 1,000-request batch whose every result is matched to its
custom id and whose cost is exactly half the same calls' synchronous cost (both priced
from genai-prices); per-item errors, expiry and cancellation reported, none dropped;
polling that honours retry-after and backs off.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from orchestify_core import BatchOutcome, BatchState, LLMProvider
from orchestify_core.testing.servers import AnthropicServer

MODEL = "claude-haiku-4-5"  # the conftest's provider's default model
MakeProvider = Callable[..., LLMProvider]

FAST = {"poll_interval": 0.01, "max_interval": 0.05}


def requests(count: int) -> list[dict[str, object]]:
    return [
        {
            "custom_id": f"item-{i:04d}",
            "messages": [{"role": "user", "content": f"q{i} " * (i % 7 + 1)}],
        }
        for i in range(count)
    ]


async def synchronous_cost(provider: LLMProvider, specs: list[dict[str, object]]) -> Decimal:
    limit = asyncio.Semaphore(32)

    async def one(spec: dict[str, object]) -> None:
        async with limit:
            await provider.complete(spec["messages"])  # type: ignore[arg-type]

    await asyncio.gather(*(one(spec) for spec in specs))
    return provider.get_usage().cost


async def test_a_thousand_requests_matched_by_id_at_half_the_synchronous_cost(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    specs = requests(1000)
    batch_provider, sync_provider = make_provider(), make_provider()
    job = await batch_provider.batch(specs)
    assert job.last_status is not None
    assert job.last_status.counts.processing == 1000
    results = [result async for result in job.results(**FAST)]

    assert sorted(r.custom_id for r in results) == [s["custom_id"] for s in specs]
    for result in results:
        assert result.outcome is BatchOutcome.SUCCEEDED
        assert result.response is not None
        index = int(result.custom_id.split("-")[1])
        assert result.response.content == "echo: " + f"q{index} " * (index % 7 + 1)
        assert result.response.model == MODEL
        assert not result.collected_before
    batch_usage = batch_provider.get_usage()
    sync_cost = await synchronous_cost(sync_provider, specs)
    assert batch_usage.attempts == 1000
    assert batch_usage.call_count == 1000
    assert batch_usage.total_input == sync_provider.get_usage().total_input
    assert batch_usage.total_output == sync_provider.get_usage().total_output
    assert sync_cost > 0
    assert batch_usage.cost * 2 == sync_cost
    assert sum(r.cost for r in results if r.cost is not None) == batch_usage.cost
    created = [r for r in anthropic_server.requests if r.path == "/v1/messages/batches"]
    assert len(created) == 1
    assert len(created[0].body["requests"]) == 1000


async def test_item_params_are_what_complete_sends(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    spec = {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "max_tokens": 77, "stop": ["END"], "custom_id": "one"}  # fmt: skip
    await provider.complete(spec["messages"], max_tokens=77, stop=["END"])  # type: ignore[arg-type]
    await provider.batch([spec])
    sync_body = anthropic_server.requests[0].body
    (item,) = anthropic_server.requests[1].body["requests"]
    assert item["custom_id"] == "one"
    assert item["params"] == {k: v for k, v in sync_body.items() if k != "stream"}


async def test_errored_expired_and_cancelled_items_are_reported_never_dropped(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    provider = make_provider()
    anthropic_server.enqueue({"text": "fine"}, {"status": 400, "error_message": "bad item"})
    anthropic_server.batches.settings.expire_after = 3
    job = await provider.batch(requests(5))
    results = {r.custom_id: r async for r in job.results(**FAST)}
    assert [results[f"item-{i:04d}"].outcome for i in range(5)] == [
        BatchOutcome.SUCCEEDED, BatchOutcome.ERRORED, BatchOutcome.SUCCEEDED,
        BatchOutcome.EXPIRED, BatchOutcome.EXPIRED,
    ]  # fmt: skip
    error = results["item-0001"].error
    assert error is not None
    assert "bad item" in str(error)
    assert type(error).__name__ == "BadRequestError"
    assert results["item-0001"].cost == 0
    assert results["item-0003"].response is None
    assert provider.get_usage().outcomes == {"completed": 2, "error": 1, "expired": 2}

    anthropic_server.batches.settings = type(anthropic_server.batches.settings)(
        polls_to_end=10**6, finish_before_cancel=1
    )
    job = await provider.batch(requests(4))
    cancelling = await job.cancel()
    assert cancelling.state is BatchState.CANCELLING
    cancelled = {r.custom_id: r.outcome async for r in job.results(**FAST)}
    assert job.last_status is not None
    assert job.last_status.state is BatchState.CANCELLED
    assert list(cancelled.values()) == [BatchOutcome.SUCCEEDED] + [BatchOutcome.CANCELLED] * 3


def _pauses(caplog: pytest.LogCaptureFixture) -> list[tuple[float, bool]]:
    found = []
    for record in caplog.records:
        match = re.search(r"next poll in ([\d.]+) s( \(retry-after\))?", record.getMessage())
        if match:
            found.append((float(match.group(1)), bool(match.group(2))))
    return found


async def test_polling_backs_off_and_honours_retry_after(
    provider: LLMProvider, anthropic_server: AnthropicServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="orchestify_core.batch")
    settings = anthropic_server.batches.settings
    settings.polls_to_end = 5
    job = await provider.batch(requests(2))
    await job.wait(poll_interval=0.01, max_interval=0.03)
    delays = [pause for pause, _ in _pauses(caplog)]
    assert len(delays) == 5
    assert delays == sorted(delays)
    assert delays[0] < delays[-1] == 0.03

    caplog.clear()
    settings.retry_after = 0.2
    job = await provider.batch(requests(2))
    await job.wait(poll_interval=0.01, max_interval=0.03)
    pauses = _pauses(caplog)
    assert pauses
    assert all(pause == 0.2 and honoured for pause, honoured in pauses)
    polls = [r for r in anthropic_server.requests if r.method == "GET" and job.id in r.path]
    assert len(polls) == len(pauses) + 1


async def test_throttled_polls_wait_their_retry_after_and_are_retried(
    provider: LLMProvider, anthropic_server: AnthropicServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="orchestify_core.batch")
    settings = anthropic_server.batches.settings
    settings.throttled_polls, settings.retry_after, settings.polls_to_end = 2, 0.05, 0
    job = await provider.batch(requests(3))
    final = await job.wait(poll_interval=0.01, max_interval=0.02)
    assert final.state is BatchState.ENDED
    waits = [r.getMessage() for r in caplog.records if "next poll" in r.getMessage()]
    assert waits == [
        f"batch {job.id}: RateLimitError; next poll in 0.05 s (RateLimitError)",
        f"batch {job.id}: RateLimitError; next poll in 0.05 s (RateLimitError)",
    ]
