"""One OpenAI batch on the loopback server: its input, its progress poll by poll, its outputs.

A batch moves ``validating`` -> ``in_progress`` -> ``finalizing`` -> ``completed`` as the
client polls it (``GET /v1/batches/{id}``), at the pace a :class:`BatchPlan` sets; it is
``failed`` when its input file does not validate, ``expired`` when the plan says so after
some items, and ``cancelling`` -> ``cancelled`` once the client cancels it.

Each item is answered by the server's normal chat-completions logic: the oldest queued
:class:`Reply` (else the echo), rendered as the body ``POST /v1/chat/completions`` would
return, or the error body of a scripted status. An item asking for a model the server does
not list gets OpenAI's 404 ``model_not_found`` body. As OpenAI does, a successful answer's
line goes to the output file, an error status's line to the error file (``response`` with
the status and error body, ``error`` null), and an item that never ran to the error file
with ``response`` null and ``error`` ``batch_expired`` / ``batch_cancelled``.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any, Literal

import attrs

from ._base import LoopbackServer
from ._script import Reply
from ._turn import resolve

__all__ = ["BatchItem", "BatchPlan", "BatchRun", "validate_input"]

MAX_REQUESTS = 50_000
COMPLETION_WINDOW_S = 24 * 3600

Status = Literal[
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
]
FINAL: frozenset[str] = frozenset({"failed", "completed", "expired", "cancelled"})

_UNRUN = {
    "expired": (
        "batch_expired",
        "This request could not be executed before the completion window expired.",
    ),
    "cancelled": (
        "batch_cancelled",
        "This request was not executed because the batch was cancelled.",
    ),
}


def _at_least(minimum: int) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None and value < minimum:
            raise ValueError(f"{attribute.name} must be at least {minimum}, got {value}")

    return check


@attrs.frozen(kw_only=True)
class BatchPlan:
    """How the server's batches progress; set ``server.batches.plan`` before creating one.

    A stage lasts for its number of polls (each ``GET /v1/batches/{id}`` is one) and at
    least ``stage_seconds``: ``validating_polls`` polls see ``validating``;
    ``in_progress`` runs ``items_per_poll`` items per poll (None: all on the first poll
    that sees it); ``finalizing_polls`` polls see ``finalizing``; ``cancelling_polls``
    polls see ``cancelling`` after a cancel.

    ``expire_after``: the batch expires once that many items have run (the rest never do).
    ``report_unrun``: whether items that never ran (expired, cancelled) get an error-file
    line (OpenAI writes ``batch_expired`` / ``batch_cancelled`` lines); False leaves them
    out of both files, as a client must also cope with.
    ``retry_after``: seconds sent as ``retry-after`` on every poll's answer.
    ``throttle_polls``: the first that many polls of each batch get a 429 (with
    ``retry-after`` when set) instead of the batch.
    ``shuffle_seed``: output lines in a shuffled order (OpenAI does not keep input order);
    None keeps the order in which the items ran.
    """

    validating_polls: int = attrs.field(default=1, validator=_at_least(0))
    items_per_poll: int | None = attrs.field(default=None, validator=_at_least(1))
    finalizing_polls: int = attrs.field(default=1, validator=_at_least(0))
    cancelling_polls: int = attrs.field(default=1, validator=_at_least(0))
    stage_seconds: float = 0.0
    expire_after: int | None = attrs.field(default=None, validator=_at_least(0))
    report_unrun: bool = True
    retry_after: float | None = None
    throttle_polls: int = attrs.field(default=0, validator=_at_least(0))
    shuffle_seed: int | None = None


@attrs.frozen
class BatchItem:
    """One line of a validated input file."""

    custom_id: str
    body: dict[str, Any]


def _line_error(line: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "line": line, "message": message, "param": param}


def _check_line(
    number: int, text: str, endpoint: str, seen: set[str]
) -> BatchItem | dict[str, Any]:
    """The item of one input line, or the validation error OpenAI reports for it."""
    try:
        line = json.loads(text)
    except ValueError:
        return _line_error(number, "invalid_json_line", "This line is not parseable as valid JSON.")
    if not isinstance(line, dict):
        return _line_error(number, "invalid_json_line", "This line is not a JSON object.")
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return _line_error(
            number, "missing_required_parameter", "Missing custom_id.", param="custom_id"
        )
    if custom_id in seen:
        return _line_error(
            number,
            "duplicate_custom_id",
            f"The custom_id for this request is a duplicate of another request: {custom_id}",
            param="custom_id",
        )
    seen.add(custom_id)
    if line.get("method") != "POST":
        return _line_error(number, "invalid_method", "The method must be POST.", param="method")
    if line.get("url") != endpoint:
        message = f"The URL provided for this request does not match the batch endpoint {endpoint}."
        return _line_error(number, "mismatched_endpoint", message, param="url")
    body = line.get("body")
    if not isinstance(body, dict):
        return _line_error(number, "invalid_body", "The body must be a JSON object.", param="body")
    return BatchItem(custom_id=custom_id, body=body)


def validate_input(content: bytes, endpoint: str) -> tuple[list[BatchItem], list[dict[str, Any]]]:
    """The items of a JSONL input file, and the errors that make the batch ``failed``."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return [], [_line_error(1, "invalid_file_format", "The file is not valid UTF-8.")]
    items: list[BatchItem] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        checked = _check_line(number, raw, endpoint, seen)
        if isinstance(checked, BatchItem):
            items.append(checked)
        else:
            errors.append(checked)
    if not items and not errors:
        errors.append(_line_error(1, "empty_file", "The input file has no requests."))
    if len(items) > MAX_REQUESTS:
        message = f"The batch has {len(items)} requests; at most {MAX_REQUESTS} are allowed."
        errors.append(_line_error(len(items), "too_many_requests", message))
    return items, errors


@attrs.define
class _Counts:
    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    def add_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        self.input_tokens += _int(usage.get("prompt_tokens"))
        self.output_tokens += _int(usage.get("completion_tokens"))
        self.cached_tokens += _int((usage.get("prompt_tokens_details") or {}).get("cached_tokens"))
        details = usage.get("completion_tokens_details") or {}
        self.reasoning_tokens += _int(details.get("reasoning_tokens"))


def _refusal(body: dict[str, Any], models: tuple[str, ...]) -> tuple[int, str] | None:
    """The status and message the chat-completions endpoint refuses ``body`` with, if any."""
    model = body.get("model")
    messages = body.get("messages")
    if not isinstance(model, str):
        return 400, "you must provide a model parameter"
    if model not in models:
        return 404, f"The model `{model}` does not exist or you do not have access to it."
    if not isinstance(messages, list) or not messages:
        return 400, "'messages' must be a non-empty array"
    return None


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


class BatchRun:
    """One batch: created from an input file, advanced by polls, finished with its files.

    ``output_lines`` and ``error_lines`` are the JSONL lines written so far (as dicts);
    the server turns them into files when the batch reaches a final state.
    """

    def __init__(
        self,
        server: LoopbackServer,
        plan: BatchPlan,
        *,
        input_file_id: str,
        content: bytes,
        endpoint: str,
        metadata: dict[str, Any] | None,
    ) -> None:
        self.server = server
        self.plan = plan
        self.id = f"batch_{uuid.uuid4().hex}"
        self.input_file_id = input_file_id
        self.endpoint = endpoint
        self.metadata = metadata
        self.content = content
        self.status: Status = "validating"
        self.created_at = int(time.time())
        self.times: dict[str, int] = {}
        self.items: list[BatchItem] = []
        self.errors: list[dict[str, Any]] = []
        self.ran = 0
        self.polls = 0
        self.output_lines: list[dict[str, Any]] = []
        self.error_lines: list[dict[str, Any]] = []
        self.output_file_id: str | None = None
        self.error_file_id: str | None = None
        self._counts = _Counts()
        self._stage_polls = 0
        self._stage_since = time.monotonic()

    # ------------------------------------------------------------------ progress

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def poll(self) -> None:
        """One ``GET``: move on when the current stage is over, then count the poll."""
        self.polls += 1
        while not self.is_final and self._stage_over():
            self._advance()
        if self.is_final:
            return
        self._stage_polls += 1
        if self.status == "in_progress":
            self._run_some()

    def cancel(self) -> None:
        """Start cancelling; the caller has checked the batch is not final or cancelling."""
        self._enter("cancelling")
        if self.plan.cancelling_polls == 0:
            self._finish("cancelled")

    def _stage_over(self) -> bool:
        if time.monotonic() - self._stage_since < self.plan.stage_seconds:
            return False
        plan = self.plan
        if self.status == "validating":
            return self._stage_polls >= plan.validating_polls
        if self.status == "in_progress":
            return self._stage_polls >= 1 and self.ran == len(self.items)
        if self.status == "finalizing":
            return self._stage_polls >= plan.finalizing_polls
        return self._stage_polls >= plan.cancelling_polls  # cancelling

    def _advance(self) -> None:
        if self.status == "validating":
            self.items, self.errors = validate_input(self.content, self.endpoint)
            if self.errors:
                self._finish("failed")
            else:
                self._enter("in_progress")
        elif self.status == "in_progress":
            self._enter("finalizing")
        elif self.status == "finalizing":
            self._finish("completed")
        else:
            self._finish("cancelled")

    def _enter(self, status: Status) -> None:
        self.status = status
        self.times[f"{status}_at"] = int(time.time())
        self._stage_polls = 0
        self._stage_since = time.monotonic()

    def _finish(self, status: Status) -> None:
        self._enter(status)
        if status in _UNRUN and self.plan.report_unrun:
            code, message = _UNRUN[status]
            for item in self.items[self.ran :]:  # not counted as failed: they never ran
                self.error_lines.append(self._line(item, None, {"code": code, "message": message}))
        if self.plan.shuffle_seed is not None:
            random.Random(self.plan.shuffle_seed).shuffle(self.output_lines)

    # ------------------------------------------------------------------ items

    def _run_some(self) -> None:
        budget = self.plan.items_per_poll or len(self.items)
        limit = self.plan.expire_after
        while budget and self.ran < len(self.items):
            if limit is not None and self.ran >= limit:
                break
            self._run(self.items[self.ran])
            self.ran += 1
            budget -= 1
        if limit is not None and self.ran >= limit and self.ran < len(self.items):
            self._finish("expired")

    def _run(self, item: BatchItem) -> None:
        status, request_id, body = self._answer(item.body)
        response = {"status_code": status, "request_id": request_id, "body": body}
        if status == 200:
            self._counts.completed += 1
            self._counts.add_usage(body.get("usage"))
            self.output_lines.append(self._line(item, response, None))
        else:
            self._counts.failed += 1
            self.error_lines.append(self._line(item, response, None))

    def _answer(self, body: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
        """What ``POST /v1/chat/completions`` would have answered: status, request id, body."""
        server = self.server
        serial = server.new_serial()
        request_id = server.request_id(serial)
        refusal = _refusal(body, server.models)
        # A refused request takes no scripted reply, as a refused chat completion does not.
        reply = Reply(status=refusal[0], error_message=refusal[1]) if refusal else None
        reply = reply or server.take_queued_reply()
        if reply.status != 200:
            error = server.error_body(reply.status, reply.error_message, reply, request_id)
            return reply.status, request_id, json.loads(error)
        rendered = server.render_message(resolve(reply, body), serial, body)
        return 200, request_id, json.loads(rendered)

    def _line(
        self, item: BatchItem, response: dict[str, Any] | None, error: dict[str, Any] | None
    ) -> dict[str, Any]:
        return {
            "id": f"batch_req_{uuid.uuid4().hex}",
            "custom_id": item.custom_id,
            "response": response,
            "error": error,
        }

    # ------------------------------------------------------------------ rendering

    def to_json(self) -> dict[str, Any]:
        """The batch as the SDK's ``Batch`` reads it."""
        counts = self._counts
        times = self.times
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": times.get("in_progress_at"),
            "expires_at": self.created_at + COMPLETION_WINDOW_S,
            "finalizing_at": times.get("finalizing_at"),
            "completed_at": times.get("completed_at"),
            "failed_at": times.get("failed_at"),
            "expired_at": times.get("expired_at"),
            "cancelling_at": times.get("cancelling_at"),
            "cancelled_at": times.get("cancelled_at"),
            "request_counts": {
                "total": len(self.items),
                "completed": counts.completed,
                "failed": counts.failed,
            },
            "usage": {
                "input_tokens": counts.input_tokens,
                "input_tokens_details": {"cached_tokens": counts.cached_tokens},
                "output_tokens": counts.output_tokens,
                "output_tokens_details": {"reasoning_tokens": counts.reasoning_tokens},
                "total_tokens": counts.input_tokens + counts.output_tokens,
            },
            "metadata": self.metadata,
        }
