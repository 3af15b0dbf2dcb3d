"""The Anthropic loopback server's Message Batches, read with the anthropic SDK itself:
create, retrieve (in progress, then ended), list, results, cancel, and what it refuses."""

from __future__ import annotations

import anthropic
import pytest

from orchestify_core.testing.servers import AnthropicServer

PARAMS = {
    "model": "claude-haiku-4-5",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "hi"}],
}


async def test_a_batch_lives_ends_and_lists_as_the_sdk_expects() -> None:
    async with AnthropicServer() as server:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0)
        server.batches.settings.polls_to_end = 2
        created = await client.messages.batches.create(
            requests=[{"custom_id": "a", "params": PARAMS}, {"custom_id": "b", "params": PARAMS}]  # type: ignore[list-item]
        )
        assert created.processing_status == "in_progress"
        assert created.request_counts.processing == 2
        states = [
            (await client.messages.batches.retrieve(created.id)).processing_status for _ in range(3)
        ]
        assert states == ["in_progress", "in_progress", "ended"]
        results = [line async for line in await client.messages.batches.results(created.id)]
        assert [(r.custom_id, r.result.type) for r in results] == [
            ("a", "succeeded"),
            ("b", "succeeded"),
        ]
        assert results[0].result.message.content[0].text == "echo: hi"  # type: ignore[union-attr]
        listed = await client.messages.batches.list()
        assert [batch.id for batch in listed.data] == [created.id]
        paths = [(r.method, r.path.replace(created.id, "ID")) for r in server.requests]
        assert paths[0] == ("POST", "/v1/messages/batches")
        assert ("GET", "/v1/messages/batches/ID/results") in paths
        await client.close()


async def test_what_the_batch_endpoints_refuse() -> None:
    async with AnthropicServer() as server:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0)
        duplicate = [{"custom_id": "a", "params": PARAMS}, {"custom_id": "a", "params": PARAMS}]
        with pytest.raises(anthropic.BadRequestError, match=r"requests\.1\.custom_id: 'a' is used"):
            await client.messages.batches.create(requests=duplicate)  # type: ignore[arg-type]
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.batches.retrieve("msgbatch_missing")
        server.batches.settings.polls_to_end = 10
        created = await client.messages.batches.create(
            requests=[{"custom_id": "a", "params": PARAMS}]
        )  # type: ignore[list-item]
        with pytest.raises(anthropic.AnthropicError, match="No `results_url`"):
            await client.messages.batches.results(created.id)
        cancelled = await client.messages.batches.cancel(created.id)
        assert cancelled.processing_status == "canceling"
        assert cancelled.cancel_initiated_at is not None
        ended = await client.messages.batches.retrieve(created.id)
        assert ended.processing_status == "ended"
        assert ended.request_counts.canceled == 1
        await client.close()
