"""Batches through LiteLLM: OpenAI's Batch API for ``openai/...`` models (the loopback OpenAI
server runs each item with its chat-completions logic), a clear refusal for other routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from litellm_support import ANTHROPIC_MODEL, OPENAI_MODEL, WEATHER, Build

from orchestify_core import LLMProvider
from orchestify_core.errors import BatchNotSupportedError, NotFoundError, RateLimitError
from orchestify_core.plugin import BatchItemResult, BatchOutcome, BatchState
from orchestify_core.testing.servers import AnthropicServer, BatchPlan, OpenAIServer, Reply

FAST = {"poll_interval": 0.001, "max_interval": 0.01}

# Now and then LiteLLM's afile_content leaves one of its own coroutines of the OpenAI files
# API unawaited (inside LiteLLM; the file is read once and every result is checked below).
pytestmark = pytest.mark.filterwarnings(
    "ignore:coroutine 'OpenAIFilesAPI.afile_content' was never awaited"
)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[OpenAIServer]:
    async with OpenAIServer(models=("gpt-4o", "o3-mini")) as running:
        yield running


@pytest_asyncio.fixture
async def provider(server: OpenAIServer, build: Build) -> AsyncIterator[LLMProvider]:
    built = build(OPENAI_MODEL, server.base_url)
    yield built
    await built.aclose()


def prompts(count: int) -> list[dict[str, Any]]:
    return [
        {"custom_id": f"q{n}", "messages": [{"role": "user", "content": f"question {n}"}]}
        for n in range(count)
    ]


async def collect(
    provider: LLMProvider, requests: list[dict[str, Any]]
) -> dict[str, BatchItemResult]:
    job = await provider.batch(requests)
    return {result.custom_id: result async for result in job.results(**FAST)}


async def test_an_openai_route_batch_comes_back_matched_at_half_the_price(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """200 requests through LiteLLM's batch API: each result matched to its id, with the
    answer and usage ``complete()`` gets for the same request, at half its cost."""
    server.batches.plan = BatchPlan(items_per_poll=70, shuffle_seed=5)
    requests = prompts(200)
    results = await collect(provider, requests)
    assert sorted(results) == sorted(request["custom_id"] for request in requests)
    for request in requests:
        result = results[request["custom_id"]]
        assert result.outcome is BatchOutcome.SUCCEEDED
        assert result.response is not None
        direct = await provider.complete(request["messages"])
        assert result.response.content == direct.content
        assert result.response.usage == direct.usage
        assert result.response.model == direct.model == OPENAI_MODEL
        assert direct.cost_usd is not None
        assert direct.cost_usd > 0
        assert result.cost == direct.cost_usd / 2


async def test_each_line_holds_the_body_litellm_sends_for_the_same_call(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    """The uploaded JSONL bodies equal what ``litellm.acompletion`` sent synchronously:
    options, tools, and an o-series model's mapping (``max_completion_tokens``, no
    temperature, the system prompt as LiteLLM rewrites it)."""
    requests: list[dict[str, Any]] = [
        {"messages": [{"role": "user", "content": "plain"}]},
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "options"},
            ],
            "temperature": 0.2,
            "max_tokens": 77,
            "stop": ["END"],
        },
        {"messages": [{"role": "user", "content": "tools"}], "tools": [WEATHER]},
        {
            "messages": [
                {"role": "system", "content": "Reason."},
                {"role": "user", "content": "o-series"},
            ],
            "model": "openai/o3-mini",
            "temperature": 0.5,
        },
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
    (stored,) = [f for f in server.batches.files.files.values() if f.purpose == "batch"]
    lines = [json.loads(line) for line in stored.content.splitlines()]
    assert [line["custom_id"] for line in lines] == [r["custom_id"] for r in requests]
    assert [line["body"] for line in lines] == sent
    assert "max_completion_tokens" in lines[3]["body"]
    assert "temperature" not in lines[3]["body"]


async def test_item_errors_carry_the_status_and_message(
    server: OpenAIServer, provider: LLMProvider, api_key: str
) -> None:
    """A 404 and a 429 item are errors of their status with OpenAI's message; the key is
    nowhere on the wire but its header (not in the uploaded file)."""
    server.enqueue(Reply(), Reply(status=429, error_message="slow down"))
    requests = prompts(3)
    requests[1]["model"] = "openai/gpt-nope"
    results = await collect(provider, requests)
    assert results["q0"].outcome is BatchOutcome.SUCCEEDED
    missing, limited = results["q1"].error, results["q2"].error
    assert isinstance(missing, NotFoundError)
    assert "gpt-nope" in str(missing)
    assert isinstance(limited, RateLimitError)
    assert "slow down" in str(limited)
    assert server.find_secret(api_key) == []


async def test_a_cancelled_batch_reports_what_never_ran(
    server: OpenAIServer, provider: LLMProvider
) -> None:
    server.batches.plan = BatchPlan(validating_polls=0, items_per_poll=2, report_unrun=False)
    job = await provider.batch(prompts(5))
    assert (await job.status()).counts.succeeded == 2
    assert (await job.cancel()).state is BatchState.CANCELLING
    assert (await job.wait(**FAST)).state is BatchState.CANCELLED
    outcomes = {r.custom_id: r.outcome async for r in job.results(**FAST)}
    assert outcomes == {
        "q0": BatchOutcome.SUCCEEDED,
        "q1": BatchOutcome.SUCCEEDED,
        **{f"q{n}": BatchOutcome.CANCELLED for n in range(2, 5)},
    }


async def test_another_route_is_refused_before_anything_is_sent(build: Build) -> None:
    """LiteLLM sends ``anthropic/...`` to Anthropic: the litellm type does not batch it, says
    so naming the model, and sends nothing."""
    async with AnthropicServer() as anthropic:
        provider = build(ANTHROPIC_MODEL, anthropic.base_url)
        with pytest.raises(BatchNotSupportedError) as caught:
            await provider.batch(prompts(2))
        with pytest.raises(BatchNotSupportedError):
            await provider.batch_job("batch_abc").status()
        await provider.aclose()
    message = str(caught.value)
    assert message.startswith("provider 'llm' has no batch API: ")
    assert f"model {ANTHROPIC_MODEL!r}" in message
    assert "'anthropic'" in message
    assert anthropic.requests == []


async def test_a_mixed_batch_is_refused_whole(server: OpenAIServer, provider: LLMProvider) -> None:
    requests = prompts(2)
    requests[1]["model"] = ANTHROPIC_MODEL
    with pytest.raises(BatchNotSupportedError, match="claude-sonnet-4-5"):
        await provider.batch(requests)
    assert server.requests == []
