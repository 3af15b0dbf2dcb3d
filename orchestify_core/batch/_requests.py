"""A batch's requests, as the caller gives them, built into :class:`BatchItem` records.

Each request is a mapping of ``complete()``'s keyword arguments (``messages`` required;
``model``, ``temperature``, ``max_tokens``, ``tools``, ``thinking``, ``tool_choice``,
``thinking_budget``, ``stop``, ``extra``) with an optional ``custom_id``: the same mapping a
line of ``orchestify batch submit``'s JSONL file holds. A request without a custom id gets
``request-<position>``. Every request is validated and built exactly as ``complete()``
builds its own, before anything is sent: one bad request refuses the whole batch, with an
error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import RequestValidationError
from ..requests import CallArgs
from ._records import BatchItem

if TYPE_CHECKING:
    from ..provider import LLMProvider

__all__ = ["MAX_BATCH_REQUESTS", "REQUEST_KEYS", "build_items"]

#: The most requests one batch takes (Anthropic's and OpenAI's limit).
MAX_BATCH_REQUESTS = 50_000
#: What a request mapping may hold.
REQUEST_KEYS = frozenset(
    {
        "custom_id",
        "messages",
        "model",
        "temperature",
        "max_tokens",
        "tools",
        "thinking",
        "tool_choice",
        "thinking_budget",
        "stop",
        "extra",
    }
)
_CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def build_items(provider: LLMProvider, requests: Iterable[Mapping[str, Any]]) -> list[BatchItem]:
    """Every request validated and built, each with its checked, unique custom id.

    :raises RequestValidationError: naming the first bad request (its position and custom
        id) and what is wrong with it; nothing was sent.
    """
    if isinstance(requests, Mapping | str | bytes):
        raise RequestValidationError(
            "batch: requests must be a list of mappings (one per request), "
            f"got a {type(requests).__name__}"
        )
    items: list[BatchItem] = []
    seen: set[str] = set()
    for position, spec in enumerate(requests):
        custom_id = _custom_id(spec, position, seen)
        try:
            request = provider._request(_call_args(spec), None)
        except RequestValidationError as exc:
            raise RequestValidationError(f"{_where(position, custom_id)}: {exc}") from None
        items.append(BatchItem(custom_id, request))
        if len(items) > MAX_BATCH_REQUESTS:
            raise RequestValidationError(
                f"batch: more than {MAX_BATCH_REQUESTS} requests; split it into several batches"
            )
    if not items:
        raise RequestValidationError("batch: no requests")
    return items


def _where(position: int, custom_id: str | None) -> str:
    where = f"batch request {position}"
    return f"{where} (custom_id {custom_id!r})" if custom_id is not None else where


def _custom_id(spec: object, position: int, seen: set[str]) -> str:
    if not isinstance(spec, Mapping):
        raise RequestValidationError(
            f"{_where(position, None)}: expected a mapping of complete()'s arguments, "
            f"got a {type(spec).__name__}"
        )
    unknown = sorted(str(key) for key in spec if key not in REQUEST_KEYS)
    if unknown:
        raise RequestValidationError(
            f"{_where(position, None)}: unknown key(s) {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(sorted(REQUEST_KEYS))})"
        )
    custom_id = spec.get("custom_id", f"request-{position}")
    if not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
        raise RequestValidationError(
            f"{_where(position, None)}: custom_id must be 1 to 64 letters, digits, '-' or '_', "
            f"got {custom_id!r}"
        )
    if custom_id in seen:
        raise RequestValidationError(
            f"{_where(position, custom_id)}: custom_id is used by an earlier request"
        )
    seen.add(custom_id)
    if "messages" not in spec:
        raise RequestValidationError(f"{_where(position, custom_id)}: 'messages' is missing")
    return custom_id


def _call_args(spec: Mapping[str, Any]) -> CallArgs:
    messages = spec["messages"]
    if not isinstance(messages, list | tuple):
        raise RequestValidationError(
            f"messages must be a list of messages, got {type(messages).__name__}"
        )
    return CallArgs(
        messages,
        spec.get("model"),
        spec.get("temperature"),
        spec.get("max_tokens"),
        spec.get("tools"),
        spec.get("thinking"),
        spec.get("tool_choice"),
        spec.get("thinking_budget"),
        spec.get("stop"),
        spec.get("extra"),
    )
