"""A minimal provider plugin, written as a third party would: it answers by echoing.

No hook checks the provider type: orchestify calls a plugin's hooks only for providers of
the types it owns (here two entry points, ``echo`` and ``dup``, name this one module).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from orchestify_core.plugin import (
    CompletionRequest,
    FinishReason,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    StreamEnd,
    TextDelta,
    TextPart,
    Usage,
    UsageEvent,
    hookimpl,
)


class EchoClient:
    """Counts the calls it served."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.calls = 0


def _answer(client: EchoClient, request: CompletionRequest) -> tuple[str, Usage]:
    client.calls += 1
    last = request.messages[-1].text
    text = f"{client.prefix}{last}"
    return text, Usage(input_tokens=len(last.split()), output_tokens=len(text.split()))


@hookimpl
def orchestify_create_client(provider: ProviderContext) -> EchoClient:
    return EchoClient(str(provider.config.options.get("prefix", "echo: ")))


@hookimpl
def orchestify_capabilities(provider: ProviderContext, model: str) -> ModelCapabilities:
    return ModelCapabilities(tools=False, vision=False, thinking=False, context_window=1000)


@hookimpl
def orchestify_pricing(provider: ProviderContext, model: str) -> ModelPrice:
    return ModelPrice(input_per_mtok="10", output_per_mtok="20", source="echo price list")


@hookimpl
def orchestify_complete(provider: ProviderContext, request: CompletionRequest) -> Any:
    async def run() -> LLMResponse:
        text, usage = _answer(provider.client, request)
        return LLMResponse.from_parts(
            [TextPart(text)], model=request.model, usage=usage, finish_reason=FinishReason.STOP
        )

    return run()


@hookimpl
def orchestify_stream(provider: ProviderContext, request: CompletionRequest) -> Any:
    async def run() -> AsyncIterator[Any]:
        text, usage = _answer(provider.client, request)
        for word in text.split(" "):
            yield TextDelta(word + " ")
        yield UsageEvent(usage)
        yield StreamEnd(finish_reason=FinishReason.STOP)

    return run()
