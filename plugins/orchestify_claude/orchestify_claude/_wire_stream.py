"""A Messages API stream read from the wire: server-sent events -> orchestify stream events.

The fast path's counterpart of :mod:`._stream`: the SDK sends the request and raises its
errors for an error status, then this module reads the body's events itself. It follows
the SDK's stream rules (``ping`` events and events without a name are skipped, an
``error`` event raises, an event's ``data`` is JSON dispatched on its ``type``) and
:class:`._stream.StreamTranslator`'s rules for what each event becomes, so both paths give
the same events for the same bytes. ``StreamEnd`` is held until the body has been read to
its end, so the connection goes back to the pool.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from orchestify_core.plugin import (
    CompletionRequest,
    RedactedThinking,
    SSEDecoder,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    Usage,
    UsageEvent,
)
from orchestify_core.plugin import json_loads as loads

from ._errors import raise_translated
from ._options import ClaudeOptions
from ._request import build_params
from ._response import finish_reason
from ._wire import usage_from_wire

if TYPE_CHECKING:
    import anthropic
    import httpx2

__all__ = ["WireTranslator", "wire_stream_events"]


class WireTranslator:
    """:class:`._stream.StreamTranslator` for decoded events; ``feed`` returns what to yield."""

    __slots__ = (
        "_thinking",
        "_thinking_count",
        "_tool_count",
        "_tools",
        "model",
        "stop_reason",
        "usage",
    )

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage: Usage | None = None
        self.stop_reason: str | None = None
        self._tools: dict[Any, int] = {}  # block index -> tool call ordinal
        self._thinking: dict[Any, int] = {}  # block index -> thinking block ordinal
        self._tool_count = 0
        self._thinking_count = 0

    def feed(self, event: Any) -> StreamEvent | None:
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event.get("delta")
            if delta.get("type") == "text_delta":  # most events: kept to one call
                return TextDelta(delta.get("text"))
            return self._delta(event.get("index"), delta)
        if kind == "content_block_start":
            return self._start(event.get("index"), event.get("content_block"))
        if kind == "message_start":
            message = event.get("message")
            self.model = message.get("model") or self.model
            self.usage = usage_from_wire(lax_counts(message.get("usage")))
            return UsageEvent(self.usage)
        if kind == "message_delta":
            self.stop_reason = event.get("delta").get("stop_reason") or self.stop_reason
            self.usage = usage_from_wire(lax_counts(event.get("usage")), self.usage)
            return UsageEvent(self.usage)
        if kind == "message_stop":
            return StreamEnd(
                finish_reason=finish_reason(self.stop_reason),
                raw_finish_reason=self.stop_reason,
                model=self.model,
            )
        return None

    def _new_thinking(self, index: Any) -> int:
        ordinal = self._thinking[index] = self._thinking_count
        self._thinking_count += 1
        return ordinal

    def _thinking_ordinal(self, index: Any) -> int:
        ordinal = self._thinking.get(index)
        return self._new_thinking(index) if ordinal is None else ordinal

    def _start(self, index: Any, block: Any) -> StreamEvent | None:
        self._tools.pop(index, None)  # a block reusing an index is a new block
        self._thinking.pop(index, None)
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            return TextDelta(text) if text else None
        if kind == "thinking":
            ordinal = self._new_thinking(index)
            thinking, signature = block.get("thinking"), block.get("signature")
            if thinking or signature:
                return ThinkingDelta(thinking, signature or "", index=ordinal)
            return None
        if kind == "redacted_thinking":
            return RedactedThinking(block.get("data"))
        if kind == "tool_use":
            ordinal = self._tools[index] = self._tool_count
            self._tool_count += 1
            return ToolCallDelta(index=ordinal, id=block.get("id"), name=block.get("name"))
        return None

    def _delta(self, index: Any, delta: Any) -> StreamEvent | None:
        kind = delta.get("type")
        if kind == "input_json_delta":
            ordinal = self._tools.get(index)
            partial = delta.get("partial_json")
            if ordinal is None or not partial:
                return None
            return ToolCallDelta(index=ordinal, arguments_delta=partial)
        if kind == "thinking_delta":
            return ThinkingDelta(
                thinking=delta.get("thinking"), index=self._thinking_ordinal(index)
            )
        if kind == "signature_delta":
            ordinal = self._thinking_ordinal(index)
            return ThinkingDelta(signature=delta.get("signature"), index=ordinal)
        return None


_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def _lax_int(value: Any) -> Any:
    """``value`` as the SDK's lax validation reads an int: a whole float or a numeral."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    return value


def lax_counts(usage: Any) -> Any:
    """A stream's ``usage`` with its counts read as the SDK reads them.

    The SDK validates stream events leniently, so a count sent as ``"12"`` or ``12.0``
    arrives as 12 (it does not do so for a whole message); counts already ints, the
    normal case, are left as they are.
    """
    if not isinstance(usage, dict) or all(
        type(usage.get(k)) is not str and type(usage.get(k)) is not float for k in _COUNTS
    ):
        return usage
    return {**usage, **{k: _lax_int(usage[k]) for k in _COUNTS if k in usage}}


def _error_event(data: str, response: httpx2.Response) -> Exception:
    """The SDK's own exception for an ``event: error`` (its public class, built as it
    builds it), so that it is translated, and kept as the cause, as on the SDK's path."""
    import anthropic

    body: object = data
    try:
        body = json.loads(data)
        message = f"{body}"
    except Exception:  # the SDK keeps a body that is not JSON as its text
        message = data or f"Error code: {response.status_code}"
    return anthropic.APIStatusError(message, response=response, body=body)


async def wire_stream_events(
    client: anthropic.AsyncAnthropic,
    request: CompletionRequest,
    options: ClaudeOptions,
    observe: Callable[[Any], None] | None = None,
) -> AsyncIterator[StreamEvent]:
    """One streamed attempt, its body decoded here: events translated, ``StreamEnd`` last.
    ``observe`` gets the response's headers (the core learns rate limits from them)."""
    params = build_params(request, options)
    feed = WireTranslator(request.model).feed
    response: httpx2.Response | None = None
    end: StreamEvent | None = None
    try:
        try:
            raw = await client.messages.with_raw_response.create(stream=True, **params)
            response = raw.http_response
            if observe is not None:
                observe(response.headers)
            decoder = SSEDecoder()
            async for piece in response.aiter_bytes():
                for name, data in decoder.feed(piece):
                    if name is None or name == "ping":
                        continue
                    if name == "error":
                        raise _error_event(data, response)
                    if not data:
                        continue
                    event = feed(loads(data))
                    if event is not None:
                        if type(event) is StreamEnd:
                            end = event
                        else:
                            yield event
        except Exception as exc:
            raise_translated(exc)
        if end is not None:
            yield end
    finally:
        if response is not None:
            await response.aclose()
