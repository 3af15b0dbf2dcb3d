"""An answer as the cache stores it: the response and, for a stream, its events in order.

JSON, so that an entry written by one version or process is read by another; the SDK's own
``raw_response`` is not kept. A stream replayed from an entry that has events yields those
very events; from an entry made by ``complete()`` it yields events rebuilt from the
response, always the same for the same response.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from ..events import (
    RedactedThinking,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallComplete,
    ToolCallDelta,
    UsageEvent,
)
from ..models import (
    ContentPart,
    ImagePart,
    LLMResponse,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolResultPart,
)
from ..tokens import Usage

__all__ = ["Entry", "decode", "encode", "replay_events"]

_VERSION = 1
_PARTS: dict[str, type[Any]] = {
    "text": TextPart,
    "image": ImagePart,
    "tool_call": ToolCall,
    "tool_result": ToolResultPart,
    "thinking": ThinkingPart,
    "redacted_thinking": RedactedThinkingPart,
}
#: What a call, not the answer, decides: never stored.
_NOT_STORED = frozenset({"raw_response", "parts", "cost_usd", "latency_s", "attempts", "cached"})
_RESPONSE_FIELDS = tuple(
    field.name for field in attrs.fields(LLMResponse) if field.name not in _NOT_STORED
)


@attrs.frozen
class Entry:
    """A stored answer: the response, its cost when it was made, and a stream's events."""

    response: LLMResponse
    cost: Decimal | None
    events: tuple[StreamEvent, ...] | None = None


def _part(data: dict[str, Any]) -> ContentPart:
    kind = _PARTS[data.pop("type")]
    part: ContentPart = kind(**data)
    return part


def _usage(usage: Usage) -> dict[str, Any]:
    return attrs.asdict(usage)


def _event(event: StreamEvent) -> list[Any]:
    if isinstance(event, TextDelta):
        return ["t", event.text]
    if isinstance(event, ThinkingDelta):
        return ["k", event.thinking, event.signature, event.index]
    if isinstance(event, ToolCallDelta):
        return ["c", event.index, event.id, event.name, event.arguments_delta]
    if isinstance(event, ToolCallComplete):
        return ["C", event.index, attrs.asdict(event.tool_call)]
    if isinstance(event, UsageEvent):
        return ["u", _usage(event.usage)]
    if isinstance(event, RedactedThinking):
        return ["r", event.data]
    raise TypeError(f"cannot cache a stream event of type {type(event).__name__}")


def _unevent(item: list[Any]) -> StreamEvent:
    tag = item[0]
    if tag == "t":
        return TextDelta(item[1])
    if tag == "k":
        return ThinkingDelta(item[1], item[2], item[3])
    if tag == "c":
        return ToolCallDelta(item[1], item[2], item[3], item[4])
    if tag == "C":
        return ToolCallComplete(item[1], _part(dict(item[2])))  # type: ignore[arg-type]
    if tag == "u":
        return UsageEvent(Usage(**item[1]))
    if tag == "r":
        return RedactedThinking(item[1])
    raise ValueError(f"unknown cached event {tag!r}")


def encode(
    response: LLMResponse, cost: Decimal | None, events: Sequence[StreamEvent] | None
) -> bytes:
    """The entry's bytes."""
    data: dict[str, Any] = {name: getattr(response, name) for name in _RESPONSE_FIELDS}
    data["parts"] = [attrs.asdict(part) for part in response.parts]
    document = {
        "v": _VERSION,
        "response": data,
        "cost": None if cost is None else str(cost),
        "events": None if events is None else [_event(event) for event in events],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decode(value: bytes) -> Entry | None:
    """The entry, or None when the bytes are not an entry this version reads."""
    try:
        document = json.loads(value)
        if document.get("v") != _VERSION:
            return None
        data = document["response"]
        parts = [_part(dict(part)) for part in data.pop("parts")]
        response = LLMResponse(parts=parts, **data)
        events = document["events"]
        cost = document["cost"]
        return Entry(
            response,
            None if cost is None else Decimal(cost),
            None if events is None else tuple(_unevent(item) for item in events),
        )
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def replay_events(entry: Entry) -> tuple[StreamEvent, ...]:
    """The events of a stream served from ``entry``: the stored ones, or, for an answer
    that ``complete()`` stored, the ones a stream of it would have carried."""
    if entry.events is not None:
        return entry.events
    response = entry.response
    events: list[StreamEvent] = []
    tools: list[ToolCall] = []
    for index, part in enumerate(response.parts):
        if isinstance(part, ThinkingPart):
            events.append(ThinkingDelta(part.thinking, part.signature or "", index))
        elif isinstance(part, RedactedThinkingPart):
            events.append(RedactedThinking(part.data))
        elif isinstance(part, TextPart) and part.text:
            events.append(TextDelta(part.text))
        elif isinstance(part, ToolCall):
            arguments = part.raw_arguments
            if arguments is None:
                arguments = json.dumps(dict(part.arguments), separators=(",", ":"))
            events.append(ToolCallDelta(len(tools), part.id, part.name, arguments))
            tools.append(part)
    if not response.parts and response.content:
        events.append(TextDelta(response.content))
    events.append(UsageEvent(response.usage))
    events.extend(ToolCallComplete(index, tool) for index, tool in enumerate(tools))
    return tuple(events)
