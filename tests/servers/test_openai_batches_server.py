"""The loopback OpenAI server's Files and Batch APIs, driven by the real ``openai`` SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
import pytest_asyncio

from orchestify_core.testing.servers import BatchPlan, OpenAIServer, Reply

ENDPOINT = "/v1/chat/completions"


def line(
    custom_id: str, text: str = "hi", model: str = "gpt-4o-mini", **extra: Any
) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body, **extra}


def jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(item) + "\n" for item in lines).encode()


def read_jsonl(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(row) for row in content.splitlines() if row.strip()]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[OpenAIServer]:
    async with OpenAIServer(models=("gpt-4o-mini",)) as running:
        yield running


@pytest_asyncio.fixture
async def client(server: OpenAIServer) -> AsyncIterator[openai.AsyncOpenAI]:
    sdk = openai.AsyncOpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0)
    yield sdk
    await sdk.close()


async def submit(client: openai.AsyncOpenAI, lines: list[dict[str, Any]]) -> Any:
    uploaded = await client.files.create(file=("in.jsonl", jsonl(lines)), purpose="batch")
    return await client.batches.create(
        input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
    )


async def poll_until_final(client: openai.AsyncOpenAI, batch_id: str) -> tuple[Any, list[str]]:
    seen: list[str] = []
    for _ in range(50):
        batch = await client.batches.retrieve(batch_id)
        seen.append(batch.status)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return batch, seen
    raise AssertionError(f"the batch never ended: {seen}")


async def file_lines(client: openai.AsyncOpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return read_jsonl((await client.files.content(file_id)).content)


async def test_upload_is_kept_byte_for_byte_and_described_as_openai_does(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    """An upload answers with a FileObject; retrieve, list and delete see it; the bytes are kept."""
    data = jsonl([line("a"), line("b")])
    uploaded = await client.files.create(file=("requests.jsonl", data), purpose="batch")
    assert (uploaded.filename, uploaded.purpose, uploaded.bytes) == (
        "requests.jsonl",
        "batch",
        len(data),
    )
    assert server.batches.files.get(uploaded.id).content == data  # type: ignore[union-attr]
    assert (await client.files.retrieve(uploaded.id)).id == uploaded.id
    assert [f.id for f in (await client.files.list(purpose="batch")).data] == [uploaded.id]
    with pytest.raises(openai.BadRequestError, match="purpose: batch"):
        await client.files.content(uploaded.id)  # as on OpenAI: input files are not downloadable
    assert (await client.files.delete(uploaded.id)).deleted is True
    with pytest.raises(openai.NotFoundError, match=f"No such File object: {uploaded.id}"):
        await client.files.retrieve(uploaded.id)
    assert server.requests[0].path == "/v1/files"
    assert data in server.requests[0].raw_body  # recorded like every other request


async def test_a_batch_moves_through_its_stages_and_writes_openai_lines(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    """validating -> in_progress -> finalizing -> completed, one poll each; each output line has
    the custom id and the chat completion body the endpoint itself would have answered."""
    created = await submit(client, [line("first", "one"), line("second", "two")])
    assert created.status == "validating"
    batch, seen = await poll_until_final(client, created.id)
    assert seen == ["validating", "in_progress", "finalizing", "completed"]
    assert batch.request_counts.model_dump() == {"total": 2, "completed": 2, "failed": 0}
    assert batch.error_file_id is None
    assert batch.completed_at is not None
    assert batch.in_progress_at is not None
    lines = await file_lines(client, batch.output_file_id)
    assert [row["custom_id"] for row in lines] == ["first", "second"]
    direct = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "one"}]
    )
    first = lines[0]
    assert first["id"].startswith("batch_req_")
    assert first["error"] is None
    assert first["response"]["status_code"] == 200
    body = first["response"]["body"]
    assert body["choices"][0]["message"]["content"] == direct.choices[0].message.content
    assert body["usage"] == direct.usage.model_dump(exclude_none=True)  # type: ignore[union-attr]
    assert batch.usage is not None
    assert batch.usage.input_tokens == 2 * body["usage"]["prompt_tokens"]


async def test_per_item_errors_go_to_the_error_file_with_their_status_and_body(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    """An unknown model gets OpenAI's 404 body, a scripted status its error body; the others
    succeed. Error lines hold the response (status, request id, body) and ``error`` null."""
    server.enqueue(Reply(), Reply(status=500, error_message="boom"))
    created = await submit(
        client, [line("ok-1"), line("bad-model", model="gpt-nope"), line("fails"), line("ok-2")]
    )
    batch, _ = await poll_until_final(client, created.id)
    assert batch.status == "completed"
    assert batch.request_counts.model_dump() == {"total": 4, "completed": 2, "failed": 2}
    errors = {row["custom_id"]: row for row in await file_lines(client, batch.error_file_id)}
    assert set(errors) == {"bad-model", "fails"}
    missing = errors["bad-model"]["response"]
    assert missing["status_code"] == 404
    assert missing["body"]["error"]["code"] == "model_not_found"
    assert "gpt-nope" in missing["body"]["error"]["message"]
    assert errors["fails"]["response"]["status_code"] == 500
    assert errors["fails"]["response"]["body"]["error"]["message"] == "boom"
    assert errors["fails"]["error"] is None
    outputs = await file_lines(client, batch.output_file_id)
    assert sorted(row["custom_id"] for row in outputs) == ["ok-1", "ok-2"]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([line("a"), line("a")], "duplicate_custom_id"),
        ([line("a", url="/v1/embeddings")], "mismatched_endpoint"),
        ([{"method": "POST", "url": ENDPOINT, "body": {}}], "missing_required_parameter"),
    ],
)
async def test_an_invalid_input_file_fails_the_batch_with_line_errors(
    client: openai.AsyncOpenAI, lines: list[dict[str, Any]], code: str
) -> None:
    """Validation errors make the batch ``failed`` with ``errors.data`` naming the line."""
    created = await submit(client, lines)
    batch, seen = await poll_until_final(client, created.id)
    assert seen[-1] == "failed"
    assert batch.failed_at is not None
    assert batch.output_file_id is None
    assert batch.error_file_id is None
    assert batch.errors is not None
    assert batch.errors.data is not None
    assert [(e.code, e.line) for e in batch.errors.data] == [(code, len(lines))]


async def test_a_line_that_is_not_json_fails_the_batch(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    uploaded = await client.files.create(file=("x.jsonl", b'{"custom_id": "a"\n'), purpose="batch")
    created = await client.batches.create(
        input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
    )
    batch, _ = await poll_until_final(client, created.id)
    assert batch.errors is not None
    assert batch.errors.data is not None
    assert batch.errors.data[0].code == "invalid_json_line"


async def test_create_refuses_what_openai_refuses(client: openai.AsyncOpenAI) -> None:
    uploaded = await client.files.create(file=("in.jsonl", jsonl([line("a")])), purpose="batch")
    with pytest.raises(openai.NotFoundError, match="No such File object: file-missing"):
        await client.batches.create(
            input_file_id="file-missing", endpoint=ENDPOINT, completion_window="24h"
        )
    with pytest.raises(openai.BadRequestError, match="endpoint"):
        await client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h"
        )
    with pytest.raises(openai.NotFoundError, match="No such Batch object: batch_x"):
        await client.batches.retrieve("batch_x")


async def test_expiry_reports_unrun_items_as_batch_expired(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    """With ``expire_after=2`` two items run, then the batch expires; the other three get
    ``batch_expired`` lines (response null) in the error file."""
    server.batches.plan = BatchPlan(items_per_poll=1, expire_after=2)
    created = await submit(client, [line(f"r{n}") for n in range(5)])
    batch, seen = await poll_until_final(client, created.id)
    assert seen == ["validating", "in_progress", "expired"]
    assert batch.expired_at is not None
    assert [row["custom_id"] for row in await file_lines(client, batch.output_file_id)] == [
        "r0",
        "r1",
    ]
    errors = await file_lines(client, batch.error_file_id)
    assert [row["custom_id"] for row in errors] == ["r2", "r3", "r4"]
    assert all(row["response"] is None for row in errors)
    assert {row["error"]["code"] for row in errors} == {"batch_expired"}


@pytest.mark.parametrize("report_unrun", [True, False])
async def test_cancel_keeps_finished_items_and_reports_or_omits_the_rest(
    server: OpenAIServer, client: openai.AsyncOpenAI, report_unrun: bool
) -> None:
    """cancel -> cancelling -> cancelled: items run before the cancel keep their output, the
    others get ``batch_cancelled`` lines, or none when the plan says so; a second cancel of a
    finished batch is a 409."""
    server.batches.plan = BatchPlan(validating_polls=0, items_per_poll=2, report_unrun=report_unrun)
    created = await submit(client, [line(f"r{n}") for n in range(6)])
    assert (await client.batches.retrieve(created.id)).request_counts.completed == 2  # type: ignore[union-attr]
    cancelling = await client.batches.cancel(created.id)
    assert cancelling.status == "cancelling"
    assert cancelling.cancelling_at is not None
    batch, seen = await poll_until_final(client, created.id)
    assert seen == ["cancelling", "cancelled"]
    outputs = await file_lines(client, batch.output_file_id)
    assert [row["custom_id"] for row in outputs] == ["r0", "r1"]
    errors = await file_lines(client, batch.error_file_id)
    if report_unrun:
        assert [row["error"]["code"] for row in errors] == ["batch_cancelled"] * 4
    else:
        assert errors == []
    with pytest.raises(openai.ConflictError, match="cancelled"):
        await client.batches.cancel(created.id)


async def test_polls_carry_retry_after_and_throttled_polls_get_429(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.batches.plan = BatchPlan(retry_after=7, throttle_polls=1)
    created = await submit(client, [line("a")])
    with pytest.raises(openai.RateLimitError) as caught:
        await client.batches.retrieve(created.id)
    assert caught.value.response.headers["retry-after"] == "7"
    raw = await client.batches.with_raw_response.retrieve(created.id)
    assert raw.headers["retry-after"] == "7"
    assert raw.parse().status == "validating"


async def test_output_order_may_differ_from_input_order(
    server: OpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.batches.plan = BatchPlan(shuffle_seed=3)
    ids = [f"r{n}" for n in range(20)]
    created = await submit(client, [line(custom_id) for custom_id in ids])
    batch, _ = await poll_until_final(client, created.id)
    order = [row["custom_id"] for row in await file_lines(client, batch.output_file_id)]
    assert sorted(order) == sorted(ids)
    assert order != ids


async def test_batches_are_listed_newest_first_with_cursor_pages(
    client: openai.AsyncOpenAI,
) -> None:
    made = [(await submit(client, [line("a")])).id for _ in range(3)]
    first = await client.batches.list(limit=2)
    assert [b.id for b in first.data] == made[::-1][:2]
    assert first.has_more
    everything = [b.id async for b in client.batches.list(limit=2)]
    assert everything == made[::-1]
