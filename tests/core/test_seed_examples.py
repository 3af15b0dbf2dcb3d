"""The examples of the user's design document, run as written against the scripted provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestify_core import LLMMessage, ProviderRegistry, load_config
from orchestify_core.testing.scripted import ScriptedReply

CONFIG = """\
providers:
  claude_main:
    type: scripted
    api_key: ${ANTHROPIC_API_KEY}
    default_model: claude-3-5-sonnet
    max_tokens: 8192
agents:
  writer:
    provider: claude_main
    model: claude-3-5-haiku
"""

TOOLS = [
    {
        "name": "get_weather",
        "description": "Get weather for a location",
        "input_schema": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
            },
            "required": ["location"],
        },
    }
]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plugin_manager) -> ProviderRegistry:  # type: ignore[no-untyped-def]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "providers.yaml").write_text(CONFIG)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    config = load_config(Path(tmp_path / "config"))
    return ProviderRegistry.from_config(config.providers, plugin_manager=plugin_manager)


async def test_basic_usage(registry: ProviderRegistry) -> None:
    """The seed's basic example: load config, get a provider, complete, read tokens."""
    provider = registry.get("claude_main")
    message = LLMMessage(role="user", content="Hello, Claude!")
    response = await provider.complete(messages=[message], temperature=0.7, max_tokens=1024)
    assert response.content == "echo: Hello, Claude!"
    assert response.tokens_input + response.tokens_output > 0
    assert response.model == "claude-3-5-sonnet"
    assert response.finish_reason == "stop"


async def test_tool_calling(registry: ProviderRegistry) -> None:
    """The seed's tool example: supports_tools() then complete(tools=...) yields a tool call."""
    from orchestify_core import ToolCall

    provider = registry.get("claude_main")
    provider.client.enqueue(
        ScriptedReply(tool_calls=[ToolCall("call_1", "get_weather", {"location": "Paris"})])
    )
    message = LLMMessage(role="user", content="Weather in Paris?")
    assert provider.supports_tools()
    response = await provider.complete(messages=[message], tools=TOOLS)
    assert response.finish_reason == "tool_use"
    assert response.tool_calls == [ToolCall("call_1", "get_weather", {"location": "Paris"})]
    sent = provider.client.requests[-1]
    assert sent.tools[0].name == "get_weather"
    assert sent.tools[0].input_schema["required"] == ["location"]


async def test_streaming(registry: ProviderRegistry) -> None:
    """The seed's streaming example: chunks are strings that add up to the answer."""
    provider = registry.get("claude_main")
    provider.client.enqueue(ScriptedReply(text="A streamed answer, in pieces.", chunk_size=5))
    message = LLMMessage(role="user", content="Stream please")
    chunks = []
    async for chunk in provider.stream(messages=[message], max_tokens=2048):
        assert isinstance(chunk, str)
        chunks.append(chunk)
    assert len(chunks) > 1
    assert "".join(chunks) == "A streamed answer, in pieces."


async def test_usage_tracking(registry: ProviderRegistry) -> None:
    """The seed's usage example: per-provider usage, the summary total, and reset."""
    provider = registry.get("claude_main")
    message = LLMMessage(role="user", content="Hello, Claude!")
    first = await provider.complete(messages=[message])
    second = await provider.complete(messages=[message])
    usage = provider.get_usage()
    assert usage.call_count == 2
    assert usage.total_input == first.tokens_input + second.tokens_input
    assert f"${usage.total_cost_usd:.2f}" == "$0.00"
    assert first.cost_usd is not None
    assert second.cost_usd is not None
    assert usage.cost == first.cost_usd + second.cost_usd
    summary = registry.get_usage_summary()
    assert summary["total"]["cost_usd"] == pytest.approx(float(usage.cost))
    assert summary["total"]["call_count"] == 2
    registry.reset_all_usage()
    assert provider.get_usage().call_count == 0
    assert registry.get_usage_summary()["total"]["cost_usd"] == 0.0


async def test_get_for_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plugin_manager
) -> None:  # type: ignore[no-untyped-def]
    """get_for_agent(agent_id, agents_config) gives the agent's provider with its model."""
    (tmp_path / "c.yaml").write_text(CONFIG)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    config = load_config(tmp_path / "c.yaml")
    registry = ProviderRegistry.from_config(config.providers, plugin_manager=plugin_manager)
    writer = registry.get_for_agent("writer", config.agents)
    response = await writer.complete([LLMMessage(role="user", content="hi")])
    assert response.model == "claude-3-5-haiku"
    assert writer.provider_type == "scripted"
    # The agent's view shares the provider's usage.
    assert registry.get("claude_main").get_usage().call_count == 1


def test_list_and_total_usage(registry: ProviderRegistry) -> None:
    """list_providers and get_total_usage name every configured provider."""
    assert registry.list_providers() == ["claude_main"]
    assert registry.get_total_usage()["claude_main"].call_count == 0
