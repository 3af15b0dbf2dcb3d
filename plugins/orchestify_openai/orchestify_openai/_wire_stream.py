"""A streamed completion read from the wire: server-sent events -> orchestify stream events.

The fast path's counterpart of :mod:`._stream`: the SDK sends the request and raises its
errors for an error status, then this module reads the body's events itself, following the
SDK's stream rules: ``data: [DONE]`` ends the stream (the rest of an HTTP/1.1 body is read
and dropped, for at most 0.1 s, so the connection is pooled), every other event's data is
JSON, and an object with an ``error`` is an in-stream error. Each chunk then becomes the
same events as in :mod:`._stream`; transport failures while reading become the same errors
the SDK's stream raises.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from orchestify_core.plugin import (
    APIConnectionError,
    CompletionRequest,
    MalformedResponseError,
    ProviderContext,
    SSEDecoder,
    StreamEnd,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from orchestify_core.plugin import json_loads as loads

from ._errors import translate_error
from ._request import build_params
from ._response import finish_reason
from ._wire import delta_events, usage_from_wire

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai import AsyncOpenAI

__all__ = ["ChunkTranslator", "wire_stream"]

_DRAIN_SECONDS = 0.1  # what the SDK allows for the rest of a body after [DONE]
_PLAIN = frozenset({"content", "role"})  # the keys of a delta that is only text


async def _drain(response: httpx2.Response) -> None:
    """Read the rest of an HTTP/1.1 body after ``[DONE]`` (the SDK's rule), errors ignored."""
    import httpx2

    if response.http_version != "HTTP/1.1" or response.is_closed:
        return
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in cast("AsyncIterator[bytes]", response.stream):
                pass
    except (TimeoutError, httpx2.RequestError, httpx2.StreamConsumed):
        pass


def _chunk(name: str | None, data: str, response: httpx2.Response) -> Any:
    """A chunk's decoded data (``thread.*`` events wrapped, as the SDK wraps them); a chunk
    with an ``error`` raises the SDK's own exception for it, built as the SDK builds it."""
    decoded = loads(data)
    if isinstance(decoded, dict) and decoded.get("error"):
        import openai

        error = decoded["error"]
        message = error.get("message") if isinstance(error, Mapping) else None
        if not message or not isinstance(message, str):
            message = "An error occurred during streaming"
        raise openai.APIError(message, request=response.request, body=error)
    if name is not None and name.startswith("thread."):
        return {"data": decoded, "event": name}
    return decoded


class ChunkTranslator:
    """One stream's decoded chunks -> events; keeps the model and how the answer finished."""

    __slots__ = ("model", "raw_finish", "refused")

    def __init__(self) -> None:
        self.model: str | None = None
        self.raw_finish: str | None = None
        self.refused = False

    def feed(self, chunk: Any) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        self.model = chunk.get("model") or self.model
        usage = chunk.get("usage")
        if usage is not None:
            events.append(UsageEvent(usage_from_wire(usage)))
        for choice in chunk.get("choices"):
            if choice.get("index") != 0:
                continue
            delta = choice.get("delta")
            content = delta.get("content")
            if content and delta.keys() <= _PLAIN:
                events.append(TextDelta(content))  # the common case, kept cheap
            else:
                events.extend(delta_events(delta))
                self.refused = self.refused or bool(delta.get("refusal"))
            reason = choice.get("finish_reason")
            if reason is not None:
                self.raw_finish = reason
        return events


def _caused(error: openai.OpenAIError, cause: BaseException) -> openai.OpenAIError:
    """``error`` with ``cause`` as its ``__cause__`` (as the SDK raises it)."""
    error.__cause__ = cause
    return error


async def _chunks(response: httpx2.Response) -> AsyncIterator[Any]:
    """The body's decoded chunks, up to ``[DONE]`` (then the rest of the body is drained)."""
    decoder = SSEDecoder()
    pieces = response.aiter_bytes()
    try:
        async for piece in pieces:
            for name, data in decoder.feed(piece):
                if data.startswith("[DONE]"):
                    await _drain(response)
                    return
                yield _chunk(name, data, response)
    finally:
        await pieces.aclose()


async def wire_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    """Stream one completion, its body decoded here (the core iterates and closes it)."""
    import httpx2
    import openai

    client: AsyncOpenAI = provider.client
    params = build_params(request, provider.options, stream=True)
    response: httpx2.Response | None = None
    translator = ChunkTranslator()
    feed = translator.feed
    try:
        try:
            raw = await client.chat.completions.with_raw_response.create(**params)
            response = raw.http_response
            provider.observe_rate_limit_headers(response.headers)  # the core learns rate limits
            async for chunk in _chunks(response):
                for event in feed(chunk):
                    yield event
        except openai.OpenAIError as exc:
            raise translate_error(exc) from exc
        except json.JSONDecodeError as exc:  # typed by the core too; this names the cause
            raise MalformedResponseError(
                f"the OpenAI stream sent an event that is not JSON: {exc}"
            ) from exc
        except httpx2.TimeoutException as exc:  # the SDK's stream raises its own for these
            sdk_error: openai.OpenAIError = openai.APITimeoutError(request=response.request)  # type: ignore[union-attr]
            sdk_error = _caused(sdk_error, exc)
            raise translate_error(sdk_error) from sdk_error
        except (httpx2.RequestError, ssl.SSLError) as exc:
            sent = response.request if response is not None else None
            sdk_error = _caused(openai.APIConnectionError(request=sent), exc)  # type: ignore[arg-type]
            raise translate_error(sdk_error) from sdk_error
        if translator.raw_finish is None:
            raise APIConnectionError(
                "the OpenAI stream ended before the model finished (no finish_reason)"
            )
        yield StreamEnd(
            finish_reason=finish_reason(translator.raw_finish, refused=translator.refused),
            raw_finish_reason=translator.raw_finish,
            model=translator.model or request.model,
        )
    finally:
        if response is not None:
            await response.aclose()
