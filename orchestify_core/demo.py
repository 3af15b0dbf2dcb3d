"""``orchestify demo``: every installed plugin, end to end, with no network and no keys.

It starts local servers that speak the Anthropic Messages and OpenAI Chat Completions wire
protocols, writes a config pointing the ``anthropic``, ``openai`` and ``litellm`` provider
types at them, and runs a completion, a streamed completion and a tool-call round trip on
each through the real plugins and SDKs. The answers are scripted; the HTTP, the SDKs, the
plugins and the accounting are real.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

import attrs

from .config import load_config
from .errors import PluginError
from .models import LLMMessage
from .plugins import install_hint, installed_plugins
from .provider import LLMProvider
from .registry import ProviderRegistry
from .testing.servers import AnthropicServer, OpenAIServer, Reply, ToolCallSpec

__all__ = ["run_demo"]

DEMO_KEY = "demo-key-not-secret"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


@attrs.frozen
class DemoProvider:
    provider_id: str
    provider_type: str
    model: str
    protocol: str  # which local server it talks to


DEMO_PROVIDERS = (
    DemoProvider("claude_main", "anthropic", "claude-sonnet-4-6", "anthropic"),
    DemoProvider("openai_main", "openai", "gpt-5.4-mini", "openai"),
    DemoProvider("litellm_claude", "litellm", "anthropic/claude-haiku-4-5", "anthropic"),
    DemoProvider("litellm_openai", "litellm", "openai/gpt-5.5", "openai"),
)


def _config_yaml(providers: list[DemoProvider], urls: dict[str, str]) -> str:
    lines = ["providers:"]
    for p in providers:
        lines += [
            f"  {p.provider_id}:",
            f"    type: {p.provider_type}",
            "    api_key: ${ORCHESTIFY_DEMO_KEY}",
            f"    default_model: {p.model}",
            f"    base_url: {urls[p.protocol]}",
            "    max_tokens: 1024",
        ]
    return "\n".join(lines) + "\n"


async def _run_one(
    provider: LLMProvider, server: AnthropicServer | OpenAIServer, out: TextIO
) -> None:
    name = provider.provider_id
    server.enqueue(
        Reply(
            f"Hello from {name}: a completion through the {provider.provider_type} plugin.",
            input_tokens=12,
            output_tokens=14,
            cache_read_tokens=8,
        )
    )
    hello = [LLMMessage(role="user", content="Say hello.")]
    counted = await provider.count_tokens(hello)
    how = "exact" if counted.exact else "estimated"
    out.write(f"  count     {counted.input_tokens} input tokens ({counted.method}, {how})\n")
    response = await provider.complete(hello)
    out.write(f"  complete  {response.content}\n")

    server.enqueue(Reply("Streaming, one small piece at a time, to the terminal.", chunk_count=9))
    out.write("  stream    ")
    async for chunk in provider.stream([LLMMessage(role="user", content="Stream something.")]):
        out.write(chunk)
        out.flush()
    out.write("\n")

    server.enqueue(
        Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"})]),
        Reply("It is 21 C and sunny in Paris."),
    )
    messages = [LLMMessage(role="user", content="What is the weather in Paris?")]
    first = await provider.complete(messages, tools=[WEATHER_TOOL])
    call = first.tool_calls[0]
    arguments = json.dumps(dict(call.arguments), ensure_ascii=False)
    out.write(f"  tool      model called {call.name}({arguments})\n")
    messages += [first.to_message(), LLMMessage.tool_result(call.id, "21 C, sunny")]
    final = await provider.complete(messages, tools=[WEATHER_TOOL])
    out.write(f"  tool      final answer: {final.content}\n")


def _usage_table(registry: ProviderRegistry, out: TextIO) -> None:
    """Calls, tokens and cost per provider; ``input`` counts the cached tokens too."""
    header = f"{'provider':<16}{'type':<11}{'calls':>6}{'input':>8}{'cached':>8}{'output':>8}"
    out.write(f"\n{header}{'cost (USD)':>14}  price source\n")
    for pid in registry.list_providers():
        provider = registry.get(pid)
        usage = provider.get_usage()
        price = provider.price()
        cost = "unpriced" if usage.unpriced_attempts else f"{usage.cost:.6f}"
        out.write(
            f"{pid:<16}{provider.provider_type:<11}{usage.call_count:>6}{usage.total_input:>8}"
            f"{usage.total_cache_read:>8}{usage.total_output:>8}{cost:>14}  "
            f"{price.source if price else 'unpriced'}\n"
        )
    summary = registry.get_usage_summary()["total"]
    out.write(
        f"{'total':<27}{summary['call_count']:>6}{summary['input_tokens']:>8}"
        f"{summary['cache_read_tokens']:>8}{summary['output_tokens']:>8}"
        f"{summary['cost_usd']:>14.6f}\n"
        "(input counts every prompt token, the cached ones included; cached: read from the "
        "prompt cache)\n"
    )


def _build(config_path: Path, chosen: list[DemoProvider], out: TextIO) -> ProviderRegistry:
    """One registry of every demo provider, built one by one with progress: building a
    provider imports its SDK, and LiteLLM alone takes seconds."""
    config = load_config(config_path)
    registry = ProviderRegistry()
    for demo in chosen:
        out.write(f"  loading {demo.provider_id} ({demo.provider_type} plugin and SDK) ...")
        out.flush()
        started = time.perf_counter()
        only = attrs.evolve(
            config.providers,
            providers={demo.provider_id: config.providers.providers[demo.provider_id]},
        )
        built = ProviderRegistry.from_config(only)
        registry.register(demo.provider_id, built.get(demo.provider_id))
        out.write(f" {time.perf_counter() - started:.1f}s\n")
    return registry


async def run_demo(out: TextIO) -> int:
    """Run the demo, writing to ``out``; returns the exit status."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    types = {info.provider_type for info in installed_plugins() if info.allowed}
    chosen = [p for p in DEMO_PROVIDERS if p.provider_type in types]
    missing = sorted({p.provider_type for p in DEMO_PROVIDERS} - types)
    out.write(
        "orchestify demo: runs against LOCAL servers that speak the Anthropic and OpenAI wire\n"
        "protocols (scripted answers, no network, no real keys); the SDKs, plugins, HTTP and\n"
        "accounting are the real ones.\n"
    )
    if missing:
        hints = "; ".join(install_hint(t) for t in missing)
        out.write(f"(plugins not installed, skipped: {', '.join(missing)}: {hints})\n")
    if not chosen:
        raise PluginError(f"no provider plugin is installed: {install_hint('anthropic')}")
    os.environ["ORCHESTIFY_DEMO_KEY"] = DEMO_KEY
    started = time.perf_counter()
    async with (
        AnthropicServer(api_key=DEMO_KEY) as anthropic,
        OpenAIServer(api_key=DEMO_KEY) as openai,
    ):
        servers: dict[str, Any] = {"anthropic": anthropic, "openai": openai}
        urls = {"anthropic": anthropic.base_url, "openai": openai.base_url}
        text = _config_yaml(chosen, urls)
        out.write("\nthe config it uses (a temporary file, removed at the end):\n")
        out.write("".join(f"  | {line}\n" for line in text.splitlines()))
        with tempfile.TemporaryDirectory(prefix="orchestify-demo-") as folder:
            config_path = Path(folder) / "orchestify.yaml"
            config_path.write_text(text)
            registry = _build(config_path, chosen, out)
        async with registry:
            for demo in chosen:
                out.write(f"\n[{demo.provider_id}] type={demo.provider_type} model={demo.model}"
                          f" -> local {demo.protocol} server\n")  # fmt: skip
                await _run_one(registry.get(demo.provider_id), servers[demo.protocol], out)
            _usage_table(registry, out)
    out.write(f"\ndone in {time.perf_counter() - started:.2f}s\n")
    return 0
