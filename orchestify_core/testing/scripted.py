"""The ``scripted`` provider type: answers from a queue, no network, for users' own tests.

It is registered through orchestify-core's own entry point like any plugin, so an engine
under test is configured exactly as in production::

    providers:
      fake:
        type: scripted
        default_model: scripted-1
        options:
          capabilities: {tools: true, vision: true, thinking: true}

    provider = registry.get("fake")
    provider.client.enqueue(ScriptedReply(text="Hi!", tool_calls=[ToolCall("c1", "f", {})]))

With an empty queue it echoes the last user message (``options: {echo_chunk_size: 1,
echo_delay: 0.05}`` makes that echo stream slowly). Replies can carry thinking, tool
calls, exact usage, a finish reason, and errors (before the first chunk, or after N chunks).
Every request it received is in ``provider.client.requests``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any, NoReturn

import attrs

from ..plugin import (
    CompletionRequest,
    ContentPart,
    FinishReason,
    HealthStatus,
    LLMProvider,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    ProviderError,
    StreamEnd,
    StreamEvent,
    TextDelta,
    TextPart,
    ThinkingDelta,
    ThinkingPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageEvent,
    hookimpl,
)

__all__ = [
    "PROVIDER_TYPE",
    "ScriptedClient",
    "ScriptedFault",
    "ScriptedProvider",
    "ScriptedReply",
]

PROVIDER_TYPE = "scripted"
_DEFAULT_PRICE = ModelPrice(
    input_per_mtok=Decimal("1"), output_per_mtok=Decimal("2"), source="scripted default"
)


class ScriptedFault(Exception):
    """The cause attached to a scripted error, standing where an SDK's exception would."""


def _raise(error: ProviderError) -> NoReturn:
    raise error from ScriptedFault(f"scripted {type(error).__name__}")


@attrs.frozen
class ScriptedReply:
    """One scripted answer.

    Attributes:
        text: The answer text.
        tool_calls: Tool calls the answer asks for.
        thinking: Thinking text (sent with ``signature``) when the request thinks.
        usage: Exact usage; default: estimated from the request and answer sizes.
        finish_reason: Default: ``tool_use`` with tool calls, else ``stop``.
        model: The model that "served" it; default: the requested one.
        error: Raised instead of answering (before any chunk of a stream).
        error_after_chunks: For streams: raise ``error`` after this many text chunks.
        chunk_size: Characters per streamed text chunk.
        delay: Seconds to wait before answering (and between chunks).
    """

    text: str = ""
    tool_calls: Sequence[ToolCall] = ()
    thinking: str | None = None
    signature: str = "scripted-signature"
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str | None = None
    error: ProviderError | None = None
    error_after_chunks: int | None = None
    chunk_size: int = 8
    delay: float = 0.0


class ScriptedClient:
    """The scripted provider's client: its reply queue and the requests it received.

    Attributes:
        echo_chunk_size: Chunk size of the echo replies given when the queue is empty.
        echo_delay: Seconds between the chunks of those echo replies.
    """

    def __init__(
        self,
        capabilities: ModelCapabilities,
        price: ModelPrice | None,
        *,
        echo_chunk_size: int = 8,
        echo_delay: float = 0.0,
    ) -> None:
        self.replies: deque[ScriptedReply] = deque()
        self.requests: list[CompletionRequest] = []
        self.capabilities = capabilities
        self.price = price
        self.echo_chunk_size = echo_chunk_size
        self.echo_delay = echo_delay
        self.closed = False

    def enqueue(self, *replies: ScriptedReply | str) -> None:
        """Queue replies (a string is a text reply)."""
        for reply in replies:
            self.replies.append(ScriptedReply(text=reply) if isinstance(reply, str) else reply)

    def next_reply(self, request: CompletionRequest) -> ScriptedReply:
        self.requests.append(request)
        if self.replies:
            return self.replies.popleft()
        last_user = next((m.text for m in reversed(request.messages) if m.role == "user"), "")
        return ScriptedReply(
            text=f"echo: {last_user}", chunk_size=self.echo_chunk_size, delay=self.echo_delay
        )


def _usage(request: CompletionRequest, reply: ScriptedReply) -> Usage:
    if reply.usage is not None:
        return reply.usage
    prompt_chars = sum(len(m.text) for m in request.messages)
    return Usage(input_tokens=max(prompt_chars // 4, 1), output_tokens=max(len(reply.text) // 4, 1))


def _finish(reply: ScriptedReply) -> str:
    if reply.finish_reason is not None:
        return reply.finish_reason
    return FinishReason.TOOL_USE if reply.tool_calls else FinishReason.STOP


@attrs.frozen
class ScriptedOptions:
    """The ``options:`` of a scripted provider.

    Attributes:
        capabilities: What its models claim (default: tools, vision and thinking).
        echo_chunk_size: Characters per chunk of the echo reply's stream.
        echo_delay: Seconds before each chunk of the echo reply.
        unpriced: Report no price, so calls are accounted as unpriced.
    """

    capabilities: ModelCapabilities = attrs.field(
        factory=lambda: ModelCapabilities(tools=True, vision=True, thinking=True)
    )
    echo_chunk_size: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    echo_delay: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))
    unpriced: bool = False


# One client per provider, whatever the event loop: it holds no sockets, and a test's queued
# replies must reach the calls of every loop.
_clients: weakref.WeakKeyDictionary[ProviderContext, ScriptedClient] = weakref.WeakKeyDictionary()


@hookimpl
def orchestify_options_class(provider_type: str) -> type[ScriptedOptions]:
    return ScriptedOptions


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> ScriptedClient:
    client = _clients.get(provider)
    if client is None:
        options: ScriptedOptions = provider.options
        client = ScriptedClient(
            options.capabilities,
            None if options.unpriced else _DEFAULT_PRICE,
            echo_chunk_size=options.echo_chunk_size,
            echo_delay=options.echo_delay,
        )
        _clients[provider] = client
    return client


@hookimpl
def orchestify_provider_class(provider_type: str) -> type[LLMProvider]:
    return ScriptedProvider


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities:
    client: ScriptedClient = provider.client
    return client.capabilities


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice | None:
    client: ScriptedClient = provider.client
    return client.price


@hookimpl
def orchestify_complete(provider: ProviderContext, request: CompletionRequest) -> Any:
    return _complete(provider.client, request)


async def _complete(client: ScriptedClient, request: CompletionRequest) -> LLMResponse:
    reply = client.next_reply(request)
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.error is not None:
        _raise(reply.error)
    parts: list[ContentPart] = []
    if request.thinking and reply.thinking is not None:
        parts.append(ThinkingPart(reply.thinking, reply.signature))
    if reply.text:
        parts.append(TextPart(reply.text))
    parts.extend(reply.tool_calls)
    return LLMResponse.from_parts(
        parts,
        model=reply.model or request.model,
        usage=_usage(request, reply),
        finish_reason=_finish(reply),
        raw_finish_reason=_finish(reply),
        raw_response=reply,
    )


@hookimpl
def orchestify_stream(
    provider: ProviderContext, request: CompletionRequest
) -> AsyncIterator[StreamEvent]:
    return _stream(provider.client, request)


async def _stream(client: ScriptedClient, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
    import json

    reply = client.next_reply(request)
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.error is not None and reply.error_after_chunks is None:
        _raise(reply.error)
    usage = _usage(request, reply)
    yield UsageEvent(Usage(input_tokens=usage.input_tokens, output_tokens=1, estimated=False))
    if request.thinking and reply.thinking is not None:
        yield ThinkingDelta(thinking=reply.thinking)
        yield ThinkingDelta(signature=reply.signature)
    size = max(reply.chunk_size, 1)
    for sent, start in enumerate(range(0, len(reply.text), size)):
        if reply.error is not None and sent == reply.error_after_chunks:
            _raise(reply.error)
        if reply.delay and sent:
            await asyncio.sleep(reply.delay)
        yield TextDelta(reply.text[start : start + size])
    for index, call in enumerate(reply.tool_calls):
        arguments = json.dumps(dict(call.arguments))
        half = len(arguments) // 2
        yield ToolCallDelta(
            index=index, id=call.id, name=call.name, arguments_delta=arguments[:half]
        )
        yield ToolCallDelta(index=index, arguments_delta=arguments[half:])
    yield UsageEvent(usage)
    yield StreamEnd(finish_reason=_finish(reply), raw_finish_reason=_finish(reply),
                    model=reply.model or request.model)  # fmt: skip


@hookimpl
def orchestify_health_check(provider: ProviderContext) -> Any:
    return _healthy()


async def _healthy() -> HealthStatus:
    return HealthStatus(ok=True, detail="scripted provider")


@hookimpl
def orchestify_close_client(provider: ProviderContext) -> Any:
    return _close(provider.client)


async def _close(client: ScriptedClient) -> None:
    client.closed = True


class ScriptedProvider(LLMProvider):
    """A provider of type ``scripted``: ``ScriptedProvider(default_model="scripted-1")``."""

    default_type = PROVIDER_TYPE

    @property
    def client(self) -> ScriptedClient:
        client: ScriptedClient = self._context.client
        return client
