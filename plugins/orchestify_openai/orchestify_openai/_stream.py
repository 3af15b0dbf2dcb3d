"""A streamed completion as orchestify stream events.

Chunks become :class:`TextDelta` (content, or a refusal's text), :class:`ToolCallDelta`
(by the tool call's index; its id and name come with the first piece, and a new id at a
used index starts another call) and :class:`ThinkingDelta` (only from OpenAI-compatible
servers that stream reasoning text). The usage chunk (empty ``choices``, asked for with
``stream_options.include_usage``) becomes a :class:`UsageEvent`. The stream ends with one
:class:`StreamEnd` once the SDK stream is exhausted.

A stream that ends without a finish reason was cut short: it raises
:class:`APIConnectionError`, as does a connection that drops (the SDK reports it), so the
core accounts the attempt and retries or reports it. An event that is not JSON raises
:class:`MalformedResponseError`. The SDK stream is closed in ``finally``: on a normal end,
an error, a consumer that stops early, or cancellation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from orchestify_core.plugin import (
    APIConnectionError,
    CompletionRequest,
    MalformedResponseError,
    ProviderContext,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    UsageEvent,
)

from ._errors import translate_error
from ._request import build_params
from ._response import finish_reason, reasoning_text, to_usage

if TYPE_CHECKING:
    from openai import AsyncOpenAI, AsyncStream
    from openai.types.chat import ChatCompletionChunk
    from openai.types.chat.chat_completion_chunk import ChoiceDelta

__all__ = ["stream"]


async def stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    """Stream one completion (an async generator; the core iterates and closes it)."""
    import openai

    client: AsyncOpenAI = provider.client
    params = build_params(request, provider.options, stream=True)
    chunks: AsyncStream[ChatCompletionChunk] | None = None
    raw_finish: str | None = None
    refused = False
    model: str | None = None
    try:
        try:
            chunks = await client.chat.completions.create(**params)
            async for chunk in chunks:
                model = chunk.model or model
                if chunk.usage is not None:
                    yield UsageEvent(to_usage(chunk.usage))
                for choice in chunk.choices:
                    if choice.index != 0:
                        continue
                    delta = choice.delta
                    if delta.content and not (
                        delta.tool_calls or delta.refusal or delta.model_extra
                    ):
                        yield TextDelta(delta.content)  # the common case, kept cheap
                    else:
                        for event in _events(delta):
                            yield event
                        refused = refused or bool(delta.refusal)
                    if choice.finish_reason is not None:
                        raw_finish = choice.finish_reason
        except openai.OpenAIError as exc:
            raise translate_error(exc) from exc
        except json.JSONDecodeError as exc:  # typed by the core too; this names the cause
            raise MalformedResponseError(
                f"the OpenAI stream sent an event that is not JSON: {exc}"
            ) from exc
        if raw_finish is None:
            raise APIConnectionError(
                "the OpenAI stream ended before the model finished (no finish_reason)"
            )
        yield StreamEnd(
            finish_reason=finish_reason(raw_finish, refused=refused),
            raw_finish_reason=raw_finish,
            model=model or request.model,
        )
    finally:
        if chunks is not None:
            await chunks.close()


def _events(delta: ChoiceDelta) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    thinking = reasoning_text(delta)
    if thinking is not None:
        events.append(ThinkingDelta(thinking=thinking))
    if delta.content:
        events.append(TextDelta(delta.content))
    if delta.refusal:
        events.append(TextDelta(delta.refusal))
    for call in delta.tool_calls or ():
        function = call.function
        events.append(
            ToolCallDelta(
                index=call.index,
                id=call.id or None,
                name=(function.name or None) if function is not None else None,
                arguments_delta=(function.arguments or "") if function is not None else "",
            )
        )
    return events
