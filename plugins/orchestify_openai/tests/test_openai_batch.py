"""The OpenAI Batch API through ``provider.batch()``: the real SDK against the loopback server.

The server runs each item with its normal chat-completions logic (see
``orchestify_core.testing.servers.BatchPlan``), so a batch item's answer is the answer the
same request gets from ``complete()``: that is what the cost and wire checks compare.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import openai
import pytest
import pytest_asyncio

from orchestify_core import ImagePart, LLMMessage, LLMProvider, TextPart
from orchestify_core.errors import (
    APIError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from orchestify_core.genai_prices import price_for
from orchestify_core.plugin import BatchItemResult, BatchOutcome, BatchState
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import BatchPlan, OpenAIServer, Reply, ToolCallSpec

MODEL = "gpt-4o-mini"
MODELS = (MODEL, "gpt-4o", "o3-mini")
FAST = {"poll_interval": 0.001, "max_interval": 0.01}

Settings = Callable[..., LLMProvider]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[OpenAIServer]:
    async with OpenAIServer(models=MODELS) as running:
        yield running


@pytest_asyncio.fixture
async def provider(server: OpenAIServer, settings: Settings) -> AsyncIterator[LLMProvider]:
    built = settings()
    yield built
    await built.aclose()


@pytest.fixture
def settings(
    server: OpenAIServer, api_key: str, build: Callable[[dict[str, Any]], LLMProvider]
) -> Settings:
    """Build a provider aimed at the server, with overrides of its settings."""

    def make(**overrides: Any) -> LLMProvider:
        return build(
            {
                "type": "openai",
                "default_model": MODEL,
                "base_url": server.base_url,
                "api_key": Secret(api_key),
                "retry": {"max_retries": 0},
                **overrides,
            }
        )

    return make


def prompts(count: int) -> list[dict[str, Any]]:
    return [
        {"custom_id": f"item-{n:04d}", "messages": [{"role": "user", "content": f"question {n}"}]}
        for n in range(count)
    ]


async def collect(
    provider: LLMProvider, requests: list[dict[str, Any]]
) -> dict[str, BatchItemResult]:
    job = await provider.batch(requests)
    results = [result async for result in job.results(**FAST)]
    by_id = {result.custom_id: result for result in results}
    assert len(by_id) == len(results), "a custom id came back twice"
    return by_id


def uploaded_lines(server: OpenAIServer) -> list[dict[str, Any]]:
    """The input file the plugin uploaded (the server keeps it; OpenAI refuses to serve it)."""
    (stored,) = [f for f in server.batches.files.files.values() if f.purpose == "batch"]
    return [json.loads(line) for line in stored.content.splitlines()]


async def test_a_thousand_requests_come_back_matched_at_half_the_synchronous_cost(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """1,000 requests in one batch (output in a shuffled order, run over several polls): every
    result is matched to its id, carries the same answer and usage as the same call made with
    ``complete()``, and costs exactly half of it: the batch price genai-prices states."""
    server.batches.plan = BatchPlan(items_per_poll=300, shuffle_seed=7)
    requests = prompts(1000)
    results = await collect(provider, requests)
    batch_cost = provider.get_usage().cost

    assert sorted(results) == [request["custom_id"] for request in requests]
    sync_total = Decimal(0)
    for request in requests:
        result = results[request["custom_id"]]
        assert result.outcome is BatchOutcome.SUCCEEDED
        assert result.response is not None
        direct = await provider.complete(request["messages"])
        assert (
            result.response.content
            == direct.content
            == f"echo: {request['messages'][0]['content']}"
        )
        assert (result.response.tokens_input, result.response.tokens_output) == (
            direct.tokens_input,
            direct.tokens_output,
        )
        assert direct.cost_usd is not None
        assert result.cost == direct.cost_usd / 2
        batch_price = price_for("openai", MODEL, batch=True)
        assert batch_price is not None
        assert result.cost == batch_price.cost(result.response.usage)
        sync_total += direct.cost_usd
    assert batch_cost == sync_total / 2
    assert provider.get_usage().cost == batch_cost + sync_total


async def test_the_uploaded_lines_hold_exactly_the_bodies_complete_sends(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """Each JSONL line is ``custom_id``, ``POST``, ``/v1/chat/completions`` and the very body
    that ``complete()`` of the same request sent (system prompts, tools, tool choice, stop,
    limits, extra parameters, images, a reasoning model's shape)."""
    tool = {"name": "lookup", "description": "Look up", "parameters": {"type": "object"}}
    image = ImagePart.from_bytes(b"\x89PNG\r\n", "image/png")
    requests: list[dict[str, Any]] = [
        {"messages": [{"role": "user", "content": "plain"}]},
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "with options"},
            ],
            "model": "gpt-4o",
            "temperature": 0.2,
            "max_tokens": 77,
            "stop": ["END"],
            "extra": {"seed": 5, "vendor_flag": True},
        },
        {
            "messages": [{"role": "user", "content": "tools"}],
            "tools": [tool],
            "tool_choice": "lookup",
        },
        {
            "messages": [
                {"role": "system", "content": "dev"},
                {"role": "user", "content": "reason"},
            ],
            "model": "o3-mini",
            "thinking": True,
        },
        {"messages": [LLMMessage(role="user", content=[TextPart("see"), image])]},
    ]
    for position, request in enumerate(requests):
        request["custom_id"] = f"wire-{position}"
    results = await collect(provider, requests)
    assert {r.outcome for r in results.values()} == {BatchOutcome.SUCCEEDED}

    server.reset()
    for request in requests:
        arguments = {k: v for k, v in request.items() if k not in ("custom_id", "messages")}
        await provider.complete(request["messages"], **arguments)
    sent = [r.body for r in server.requests if r.path == "/v1/chat/completions"]
    lines = uploaded_lines(server)
    assert [line["custom_id"] for line in lines] == [r["custom_id"] for r in requests]
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}
    assert [line["body"] for line in lines] == sent
    assert lines[3]["body"]["messages"][0]["role"] == "developer"  # the reasoning shape
    assert "max_completion_tokens" in lines[3]["body"]


async def test_item_errors_are_reported_as_complete_would_raise_them(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """A model the server does not serve gets its 404 body, a scripted 429 and 500 their
    bodies: each item errors with the class and message ``complete()`` would have raised,
    is not charged, and the others succeed."""
    server.enqueue(Reply(), Reply(status=429, error_message="slow down"), Reply(status=500))
    requests = prompts(4)
    requests[1]["model"] = "gpt-unknown"
    results = await collect(provider, requests)

    outcomes = {cid: r.outcome for cid, r in results.items()}
    assert outcomes == {
        "item-0000": BatchOutcome.SUCCEEDED,
        "item-0001": BatchOutcome.ERRORED,
        "item-0002": BatchOutcome.ERRORED,
        "item-0003": BatchOutcome.ERRORED,
    }
    missing, limited, failed = (results[f"item-000{n}"].error for n in (1, 2, 3))
    assert isinstance(missing, NotFoundError)
    assert "gpt-unknown" in str(missing)
    assert "model_not_found" in str(missing)
    assert isinstance(limited, RateLimitError)
    assert "slow down" in str(limited)
    assert isinstance(failed, InternalServerError)
    assert failed.status_code == 500
    assert all(results[f"item-000{n}"].cost in (None, 0) for n in (1, 2, 3))
    assert provider.get_usage().cost == results["item-0000"].cost


@pytest.mark.parametrize("report_unrun", [True, False], ids=["expired-lines", "no-lines"])
async def test_an_expired_batch_reports_the_items_that_never_ran(
    server: OpenAIServer, provider: LLMProvider, report_unrun: bool
) -> None:
    """Three of eight items run before the batch expires: they succeed and are charged; the
    five others are EXPIRED whether OpenAI wrote ``batch_expired`` lines for them or none."""
    server.batches.plan = BatchPlan(items_per_poll=1, expire_after=3, report_unrun=report_unrun)
    job = await provider.batch(prompts(8))
    final = await job.wait(**FAST)
    assert final.state is BatchState.EXPIRED
    assert final.provider_state == "expired"
    assert (final.counts.succeeded, final.counts.expired, final.counts.processing) == (3, 5, 0)
    results = {r.custom_id: r async for r in job.results(**FAST)}
    assert len(results) == 8
    succeeded = sorted(cid for cid, r in results.items() if r.outcome is BatchOutcome.SUCCEEDED)
    expired = sorted(cid for cid, r in results.items() if r.outcome is BatchOutcome.EXPIRED)
    assert succeeded == ["item-0000", "item-0001", "item-0002"]
    assert expired == [f"item-{n:04d}" for n in range(3, 8)]
    assert provider.get_usage().cost == sum(results[cid].cost or 0 for cid in succeeded)


@pytest.mark.parametrize("report_unrun", [True, False], ids=["cancelled-lines", "no-lines"])
async def test_a_cancelled_batch_keeps_what_finished_and_reports_the_rest_cancelled(
    server: OpenAIServer, provider: LLMProvider, report_unrun: bool
) -> None:
    server.batches.plan = BatchPlan(validating_polls=0, items_per_poll=2, report_unrun=report_unrun)
    job = await provider.batch(prompts(6))
    running = await job.status()
    assert running.state is BatchState.IN_PROGRESS
    assert running.counts.succeeded == 2
    assert running.counts.processing == 4
    cancelling = await job.cancel()
    assert cancelling.state is BatchState.CANCELLING
    final = await job.wait(**FAST)
    assert final.state is BatchState.CANCELLED
    assert final.counts.succeeded == 2
    results = {r.custom_id: r.outcome async for r in job.results(**FAST)}
    assert results == {
        **{f"item-{n:04d}": BatchOutcome.SUCCEEDED for n in range(2)},
        **{f"item-{n:04d}": BatchOutcome.CANCELLED for n in range(2, 6)},
    }


async def test_polls_honour_retry_after_and_survive_throttling(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """Polls answered 429 (with ``retry-after``) are retried; a poll's ``retry-after`` reaches
    the status the core schedules the next poll by."""
    server.batches.plan = BatchPlan(retry_after=0.02, throttle_polls=2)
    job = await provider.batch(prompts(2))
    final = await job.wait(**FAST)
    assert final.state is BatchState.ENDED
    assert final.retry_after == pytest.approx(0.02)
    polls = [r for r in server.requests if r.method == "GET" and r.path == f"/v1/batches/{job.id}"]
    assert len(polls) >= 3  # two throttled, then until completed


async def test_a_failed_batch_is_reported_failed(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """A batch OpenAI refused as a whole (its input file did not validate) is FAILED."""
    client = openai.AsyncOpenAI(api_key="sk-x", base_url=server.base_url)
    bad = await client.files.create(file=("bad.jsonl", b"not json\n"), purpose="batch")
    created = await client.batches.create(
        input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    await client.close()
    final = await provider.batch_job(created.id).wait(**FAST)
    assert final.state is BatchState.FAILED
    assert final.provider_state == "failed"
    assert final.ended_at is not None
    assert final.detail == "line 1: invalid_json_line: This line is not parseable as valid JSON."


async def test_an_unknown_batch_id_is_a_not_found_error(provider: LLMProvider) -> None:
    with pytest.raises(NotFoundError, match="No such Batch object: batch_nope"):
        await provider.batch_job("batch_nope").status()


async def test_a_refused_upload_creates_no_batch_and_keeps_the_key_out(
    server: OpenAIServer, api_key: str, settings: Settings
) -> None:
    """A wrong key: the upload's 401 is an authentication error, no batch exists, and the
    key is in no error nor anywhere on the wire but its header."""
    wrong = settings()
    server.api_key = "sk-the-right-one"
    with pytest.raises(APIError) as caught:
        await wrong.batch(prompts(2))
    await wrong.aclose()
    assert caught.value.status_code == 401
    assert api_key not in str(caught.value)
    assert server.batches.batches == {}
    assert server.find_secret(api_key) == []


async def test_configured_prices_are_halved_for_a_batch(settings: Settings) -> None:
    """The config's ``prices:`` win over the price data; a batch pays half of them."""
    priced = settings(prices={MODEL: {"input": 2, "output": 8}})
    results = await collect(priced, prompts(3))
    for result in results.values():
        assert result.response is not None
        usage = result.response.usage
        expected = (Decimal(2) * usage.input_tokens + Decimal(8) * usage.output_tokens) / 1_000_000
        assert result.cost == expected / 2
    await priced.aclose()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Reply(tool_calls=[ToolCallSpec("lookup", {"q": "x"}, id="call_1")]), "tool"),
        (Reply(text="done", cache_read_tokens=40, reasoning_tokens=5), "usage"),
    ],
)
async def test_answers_are_translated_like_complete_answers(
    server: OpenAIServer, provider: LLMProvider, answer: Reply, expected: str
) -> None:
    """Tool calls and detailed usage (cache reads, reasoning) read from an output line are
    what ``complete()`` makes of the same answer."""
    server.enqueue(answer)
    (result,) = (await collect(provider, prompts(1))).values()
    server.enqueue(answer)
    direct = await provider.complete(prompts(1)[0]["messages"])
    assert result.response is not None
    assert result.response.parts == direct.parts
    assert result.response.usage == direct.usage
    assert result.response.finish_reason == direct.finish_reason
    if expected == "tool":
        assert result.response.parts[-1].name == "lookup"  # type: ignore[union-attr]
    else:
        assert result.response.usage.cache_read_tokens == 40
