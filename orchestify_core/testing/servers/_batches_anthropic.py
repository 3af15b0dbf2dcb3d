"""Anthropic Message Batches on the loopback server: ``/v1/messages/batches``.

Create, retrieve, list, cancel and the JSONL results, as the ``anthropic`` SDK's
``client.messages.batches`` uses them. A batch stays ``in_progress`` for
``BatchSettings.polls_to_end`` retrieves (or ``seconds_to_end`` seconds), then ends: each
item is answered then, in submission order, by the server's normal reply logic (the next
queued reply, else the echo), so a queued error reply makes that item ``errored``. With
``expire_after`` only that many items are answered and the rest are ``expired``; a cancelled
batch answers ``finish_before_cancel`` items and cancels the rest. Every request is
recorded like any other.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from ._base import InvalidRequest, Route
from ._turn import resolve

if TYPE_CHECKING:
    from .anthropic import AnthropicServer

__all__ = ["AnthropicBatches", "BatchSettings"]

_PREFIX = "/v1/messages/batches"
_DAY = 24 * 3600


@attrs.define
class BatchSettings:
    """How the emulated batches behave (change them on ``server.batches.settings``).

    Attributes:
        polls_to_end: Retrieves a batch answers ``in_progress`` before it ends.
        seconds_to_end: Or: seconds after creation when it ends (None: by polls only).
        retry_after: A ``retry-after`` header (seconds) on every retrieve while in progress.
        expire_after: Items answered before the batch expires (None: it never does).
        finish_before_cancel: Items a cancelled batch still answers.
        throttled_polls: Retrieves of each batch answered 429 (with ``retry-after``, the
            ``retry_after`` setting or 1 s) before the batch answers at all.
    """

    polls_to_end: int = 1
    seconds_to_end: float | None = None
    retry_after: float | None = None
    expire_after: int | None = None
    finish_before_cancel: int = 0
    throttled_polls: int = 0


@attrs.define
class _Batch:
    id: str
    items: list[tuple[str, dict[str, Any]]]
    created: float
    polls: int = 0
    throttled: int = 0
    cancel_at: float | None = None
    ended_at: float | None = None
    results: list[dict[str, Any]] = attrs.field(factory=list)


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


class AnthropicBatches:
    """The batches of one :class:`AnthropicServer`."""

    def __init__(self, server: AnthropicServer) -> None:
        self.server = server
        self.settings = BatchSettings()
        self.batches: dict[str, _Batch] = {}

    def routes(self) -> dict[tuple[str, str], Route]:
        return {("POST", _PREFIX): self._create, ("GET", _PREFIX): self._list}

    def dynamic_route(self, method: str, path: str) -> Route | None:
        if not path.startswith(_PREFIX + "/"):
            return None
        parts = path[len(_PREFIX) + 1 :].split("/")
        if method == "GET" and len(parts) == 1:
            return self._retrieve
        if method == "GET" and parts[1:] == ["results"]:
            return self._results
        if method == "POST" and parts[1:] == ["cancel"]:
            return self._cancel
        return None

    # ------------------------------------------------------------------ endpoints

    async def _create(self, _request: web.BaseRequest, body: dict[str, Any]) -> web.StreamResponse:
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            raise InvalidRequest("requests: a non-empty list is required")
        items: list[tuple[str, dict[str, Any]]] = []
        for index, entry in enumerate(requests):
            items.append(_item(entry, index, {cid for cid, _ in items}))
        batch = _Batch(f"msgbatch_{uuid.uuid4().hex[:24]}", items, time.time())
        self.batches[batch.id] = batch
        return self.server.json_response(self._describe(batch))

    async def _list(self, _request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        data = [self._describe(batch) for batch in reversed(self.batches.values())]
        first = data[0]["id"] if data else None
        last = data[-1]["id"] if data else None
        payload = {"data": data, "has_more": False, "first_id": first, "last_id": last}
        return self.server.json_response(payload)

    async def _retrieve(
        self, request: web.BaseRequest, _body: dict[str, Any]
    ) -> web.StreamResponse:
        batch = self._find(request)
        if batch is None:
            return self._not_found(request)
        retry_after = f"{self.settings.retry_after or 1:g}"
        if batch.throttled < self.settings.throttled_polls:
            batch.throttled += 1
            return self.server.error_response(429, headers={"retry-after": retry_after})
        batch.polls += 1
        self._advance(batch)
        headers = {}
        if batch.ended_at is None and self.settings.retry_after is not None:
            headers["retry-after"] = f"{self.settings.retry_after:g}"
        return self.server.json_response(self._describe(batch), headers=headers)

    async def _cancel(self, request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        batch = self._find(request)
        if batch is None:
            return self._not_found(request)
        if batch.ended_at is None and batch.cancel_at is None:
            batch.cancel_at = time.time()
        return self.server.json_response(self._describe(batch))

    async def _results(self, request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        batch = self._find(request)
        if batch is None:
            return self._not_found(request)
        if batch.ended_at is None:
            return self.server.error_response(400, f"Batch {batch.id} has not ended yet.")
        text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in batch.results)
        return web.Response(
            body=text.encode(),
            headers={
                "Content-Type": "application/binary",
                "request-id": self.server.request_id(self.server.new_serial()),
            },
        )

    # ------------------------------------------------------------------ the batch's life

    def _find(self, request: web.BaseRequest) -> _Batch | None:
        batch_id = request.path[len(_PREFIX) + 1 :].split("/")[0]
        return self.batches.get(batch_id)

    def _not_found(self, request: web.BaseRequest) -> web.StreamResponse:
        return self.server.error_response(404, f"No message batch at {request.path}.")

    def _advance(self, batch: _Batch) -> None:
        """End the batch when its time has come (a retrieve is what moves it on)."""
        if batch.ended_at is not None:
            return
        settings = self.settings
        if batch.cancel_at is not None:
            self._end(batch, settings.finish_before_cancel, "canceled")
            return
        due = batch.polls > settings.polls_to_end
        if settings.seconds_to_end is not None:
            due = time.time() - batch.created >= settings.seconds_to_end
        if due:
            answered = settings.expire_after
            self._end(batch, len(batch.items) if answered is None else answered, "expired")

    def _end(self, batch: _Batch, answered: int, rest: str) -> None:
        for index, (custom_id, params) in enumerate(batch.items):
            result = self._answer(params) if index < answered else {"type": rest}
            batch.results.append({"custom_id": custom_id, "result": result})
        batch.ended_at = time.time()

    def _answer(self, params: dict[str, Any]) -> dict[str, Any]:
        """One item answered like ``POST /v1/messages``: a message, or an error object."""
        server = self.server
        reply = server.take_queued_reply()
        serial = server.new_serial()
        if reply.status != 200:
            body = server.error_body(reply.status, reply.error_message, reply,
                                     server.request_id(serial))  # fmt: skip
            return {"type": "errored", "error": json.loads(body)}
        message = json.loads(server.render_message(resolve(reply, params), serial, params))
        return {"type": "succeeded", "message": message}

    def _describe(self, batch: _Batch) -> dict[str, Any]:
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if batch.ended_at is None:
            counts["processing"] = len(batch.items)
        for line in batch.results:
            counts[line["result"]["type"]] += 1
        ended = batch.ended_at is not None
        status = "ended" if ended else ("canceling" if batch.cancel_at else "in_progress")
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + _DAY),
            "ended_at": _iso(batch.ended_at),
            "cancel_initiated_at": _iso(batch.cancel_at),
            "archived_at": None,
            "results_url": f"{self.server.base_url}{_PREFIX}/{batch.id}/results" if ended else None,
        }


def _item(entry: Any, index: int, seen: set[str]) -> tuple[str, dict[str, Any]]:
    """One request of a create body, checked as the API checks it."""
    where = f"requests.{index}"
    if not isinstance(entry, Mapping):
        raise InvalidRequest(f"{where}: an object is required")
    custom_id, params = entry.get("custom_id"), entry.get("params")
    if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 64:
        raise InvalidRequest(f"{where}.custom_id: a string of 1 to 64 characters is required")
    if custom_id in seen:
        raise InvalidRequest(f"{where}.custom_id: {custom_id!r} is used by another request")
    if not isinstance(params, dict):
        raise InvalidRequest(f"{where}.params: an object is required")
    for field, kind in (("model", str), ("max_tokens", int), ("messages", list)):
        if not isinstance(params.get(field), kind):
            raise InvalidRequest(f"{where}.params.{field}: a {kind.__name__} is required")
    if params.get("stream"):
        raise InvalidRequest(f"{where}.params.stream: batch requests cannot stream")
    return custom_id, params
