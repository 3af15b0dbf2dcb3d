"""Stream events: what a plugin's stream yields, and what a user's ``stream_events()`` yields.

A plugin yields text, thinking and tool-call deltas and usage as they arrive, and ends with
one :class:`StreamEnd`; the core assembles them and ends the user's stream with
:class:`StreamDone`, which carries the whole response.
"""

from __future__ import annotations

from typing import Any

import attrs

from .models import LLMResponse, ToolCall, Usage

__all__ = [
    "RedactedThinking",
    "StreamDone",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallComplete",
    "ToolCallDelta",
    "UsageEvent",
]


@attrs.frozen
class TextDelta:
    """A piece of answer text."""

    text: str


@attrs.frozen
class ThinkingDelta:
    """A piece of thinking text, or (at the end of a thinking block) its signature.

    Attributes:
        index: Which thinking block it belongs to, when there are several.
    """

    thinking: str = ""
    signature: str = ""
    index: int = 0


@attrs.frozen
class RedactedThinking:
    """A redacted thinking block, whole."""

    data: str


@attrs.frozen
class ToolCallDelta:
    """A piece of a tool call; ``id`` and ``name`` come with the first piece of each index."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments_delta: str = ""


@attrs.frozen
class ToolCallComplete:
    """A tool call, assembled and decoded (sent by the core once its stream has ended)."""

    index: int
    tool_call: ToolCall


@attrs.frozen
class UsageEvent:
    """The usage known so far: each event replaces the previous one (it is cumulative)."""

    usage: Usage


@attrs.frozen
class StreamEnd:
    """The last event a plugin's stream yields: how and by whom the answer ended.

    The core turns it into :class:`StreamDone`.
    """

    finish_reason: str
    raw_finish_reason: str | None = None
    model: str | None = None
    raw_response: Any = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class StreamDone:
    """The last event a user's stream yields: the assembled response, usage and cost included."""

    response: LLMResponse


StreamEvent = (
    TextDelta
    | ThinkingDelta
    | RedactedThinking
    | ToolCallDelta
    | ToolCallComplete
    | UsageEvent
    | StreamEnd
    | StreamDone
)
