"""Every call goes through the hooks, so third-party plugins can wrap and override them."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any

import pluggy

from orchestify_core import LLMMessage, ModelCapabilities, ModelPrice, ProviderContext, hookimpl

CONFIG = "providers:\n  fake:\n    type: scripted\n    default_model: s1\n"


class CompletionRecorder:
    """Wraps orchestify_complete: sees every call and the response it produced."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl(wrapper=True)
    def orchestify_complete(
        self, provider: ProviderContext, request: Any
    ) -> Generator[None, Any, Any]:
        awaitable = yield

        async def wrapped() -> Any:
            response = await awaitable
            self.seen.append(
                f"{provider.provider_id}:{request.messages[-1].text}->{response.content}"
            )
            response.content = response.content.upper()
            return response

        return wrapped()


class Discount:
    @hookimpl(tryfirst=True)
    def orchestify_pricing(self, provider: ProviderContext, model: str) -> ModelPrice:
        return ModelPrice(input_per_mtok=0, output_per_mtok=1_000_000, source="discount plugin")

    @hookimpl(tryfirst=True)
    def orchestify_capabilities(self, provider: ProviderContext, model: str) -> ModelCapabilities:
        return ModelCapabilities(tools=False, vision=False, thinking=False)


async def test_wrapper_sees_every_call(
    plugin_manager: pluggy.PluginManager, build_registry
) -> None:  # type: ignore[no-untyped-def]
    """A wrapper=True completion hook sees each call and may change the response."""
    recorder = CompletionRecorder()
    plugin_manager.register(recorder)
    provider = build_registry(CONFIG).get("fake")
    first = await provider.complete([LLMMessage(role="user", content="one")])
    await provider.complete([LLMMessage(role="user", content="two")])
    assert recorder.seen == ["fake:one->echo: one", "fake:two->echo: two"]
    assert first.content == "ECHO: ONE"


async def test_tryfirst_pricing_and_capabilities_win(
    plugin_manager: pluggy.PluginManager, build_registry
) -> None:  # type: ignore[no-untyped-def]
    """A tryfirst plugin overrides the provider plugin's price and capabilities."""
    plugin_manager.register(Discount())
    provider = build_registry(CONFIG).get("fake")
    response = await provider.complete([LLMMessage(role="user", content="x" * 40)])
    assert provider.price().source == "discount plugin"  # type: ignore[union-attr]
    assert response.cost_usd == Decimal(response.tokens_output)
    assert provider.supports_tools() is False


async def test_yaml_price_override_beats_every_plugin(
    plugin_manager: pluggy.PluginManager, build_registry
) -> None:  # type: ignore[no-untyped-def]
    """A price in YAML wins over plugins, tryfirst ones included."""
    plugin_manager.register(Discount())
    provider = build_registry(CONFIG + "    prices:\n      s1: {input: 3, output: 15}\n").get(
        "fake"
    )
    response = await provider.complete([LLMMessage(role="user", content="hello")])
    expected = (Decimal(response.tokens_input) * 3 + Decimal(response.tokens_output) * 15) / 10**6
    assert response.cost_usd == expected
    assert provider.price().source == "config"  # type: ignore[union-attr]


async def test_one_hook_call_per_stream(
    plugin_manager: pluggy.PluginManager, build_registry
) -> None:  # type: ignore[no-untyped-def]
    """Streaming makes one hook call per request, however many chunks arrive."""
    from orchestify_core.testing.scripted import ScriptedReply

    calls: list[str] = []

    class Counter:
        @hookimpl(tryfirst=True)
        def orchestify_stream(self, provider: ProviderContext, request: Any) -> None:
            calls.append(request.model)

    plugin_manager.register(Counter())
    provider = build_registry(CONFIG).get("fake")
    provider.client.enqueue(ScriptedReply(text="x" * 100, chunk_size=1))
    chunks = [c async for c in provider.stream([LLMMessage(role="user", content="go")])]
    assert len(chunks) == 100
    assert calls == ["s1"]
