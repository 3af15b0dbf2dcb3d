"""What the v2 contract asks of the plugin, end to end through the SDK and loopback server:
per-call timeouts reach the SDK, hostile streams are retried or kept apart, keys the SDK
found are scrubbed, and the client serves what the layer does not cover."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import anthropic
import httpx2
import pytest
from anthropic.types import (
    InputJSONDelta,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    ThinkingBlock,
    ToolUseBlock,
)
from orchestify_claude._errors import translate_error
from orchestify_claude._stream import StreamTranslator

from orchestify_core import (
    APIConnectionError,
    AuthenticationError,
    LLMMessage,
    LLMProvider,
    MalformedResponseError,
    ProviderRegistry,
    ThinkingDelta,
    ToolCallDelta,
    loads_config,
)
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.retry import is_retryable
from orchestify_core.testing.servers import AnthropicServer, Reply, ToolCallSpec

MakeProvider = Callable[..., LLMProvider]
USER = [LLMMessage(role="user", content="hi")]
TOOLS = [
    {"name": "get_weather", "input_schema": {"type": "object"}},
    {"name": "get_time", "input_schema": {"type": "object"}},
]


async def test_call_timeout_beats_config_timeout(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """A 1 s config timeout does not cut a call given timeout=4 whose answer takes ~2 s."""
    provider = make_provider(timeout=1.0)
    anthropic_server.enqueue(Reply("slow but fine", first_byte_delay=2.0))
    response = await provider.complete(USER, timeout=4)
    assert response.content == "slow but fine"
    anthropic_server.enqueue(Reply("slow stream", first_byte_delay=2.0, chunk_count=2))
    chunks = [chunk async for chunk in provider.stream(USER, timeout=4)]
    assert "".join(chunks) == "slow stream"
    assert len(anthropic_server.requests) == 2


async def test_clean_end_after_message_start_is_retried(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """A stream that ends cleanly after message_start and ping (no content, no message_stop)
    is a retryable error: the core's retry gets the whole answer, both attempts accounted."""
    provider = make_provider(retry={"max_retries": 1, "initial_delay": 0.01})
    anthropic_server.enqueue(
        Reply("lost", input_tokens=30, stream_end_after=2),
        Reply("whole answer", input_tokens=30, output_tokens=4),
    )
    chunks = [chunk async for chunk in provider.stream(USER)]
    assert "".join(chunks) == "whole answer"
    assert len(anthropic_server.requests) == 2
    usage = provider.get_usage()
    assert usage.attempts == 2
    assert usage.call_count == 1
    assert usage.total_input == 60


async def test_clean_end_after_message_start_without_retries(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """With retries off the error is typed and retryable (so a fallback takes over)."""
    anthropic_server.enqueue(Reply("lost", input_tokens=30, stream_end_after=2))
    with pytest.raises(APIConnectionError) as info:
        async for _ in provider.stream(USER):
            pass
    assert is_retryable(info.value)


async def test_tool_blocks_sharing_an_index_stay_apart(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Two tool_use blocks that reuse one content-block index are two calls, not one."""
    anthropic_server.enqueue(
        Reply(
            tool_calls=[
                ToolCallSpec("get_weather", {"city": "Lyon"}, id="toolu_a"),
                ToolCallSpec("get_time", {"zone": "CET"}, id="toolu_b"),
            ],
            same_tool_index=True,
        )
    )
    stream = provider.stream(USER, tools=TOOLS)
    async for _ in stream:
        pass
    assert stream.response is not None
    calls = [(c.id, c.name, dict(c.arguments)) for c in stream.response.tool_calls]
    assert calls == [
        ("toolu_a", "get_weather", {"city": "Lyon"}),
        ("toolu_b", "get_time", {"zone": "CET"}),
    ]


def test_translator_gives_a_reused_index_a_new_ordinal() -> None:
    """content_block_start at a used index opens a new tool call; its deltas go to it."""
    translator = StreamTranslator("claude-haiku-4-5")

    def start(tool_id: str) -> RawContentBlockStartEvent:
        block = ToolUseBlock(type="tool_use", id=tool_id, name="f", input={})
        return RawContentBlockStartEvent(type="content_block_start", index=0, content_block=block)

    delta = RawContentBlockDeltaEvent(
        type="content_block_delta",
        index=0,
        delta=InputJSONDelta(type="input_json_delta", partial_json="{}"),
    )
    assert translator.feed(start("a")) == ToolCallDelta(index=0, id="a", name="f")
    assert translator.feed(delta) == ToolCallDelta(index=0, arguments_delta="{}")
    assert translator.feed(start("b")) == ToolCallDelta(index=1, id="b", name="f")
    assert translator.feed(delta) == ToolCallDelta(index=1, arguments_delta="{}")


def test_translator_gives_a_reused_thinking_index_a_new_ordinal() -> None:
    """A thinking block started at a used index is a new thinking block, not the old one."""
    translator = StreamTranslator("claude-haiku-4-5")

    def start(text: str) -> RawContentBlockStartEvent:
        block = ThinkingBlock(type="thinking", thinking=text, signature="")
        return RawContentBlockStartEvent(type="content_block_start", index=0, content_block=block)

    assert translator.feed(start("one")) == ThinkingDelta("one", "", index=0)
    assert translator.feed(start("two")) == ThinkingDelta("two", "", index=1)


@pytest.mark.parametrize("variable", ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"])
async def test_key_from_the_environment_is_scrubbed(
    make_provider: MakeProvider,
    anthropic_server: AnthropicServer,
    api_key: str,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    """No api_key in the config: the key or token the SDK read from the environment, echoed
    back in a 401 body, is in no part of the formatted exception chain."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv(variable, api_key)
    provider = make_provider(api_key=None)
    assert provider.config.api_key is None
    assert api_key in provider._context.secrets
    anthropic_server.enqueue(Reply(status=401, echo_key=True))
    with pytest.raises(AuthenticationError) as info:
        await provider.complete(USER)
    assert anthropic_server.requests[-1].headers["authorization"] == f"Bearer {api_key}"
    assert api_key not in "".join(traceback.format_exception(info.value))
    assert api_key not in repr(info.value)


@pytest.mark.parametrize("status", [400, 500])
async def test_config_key_echoed_in_an_error_body_is_scrubbed(
    provider: LLMProvider, anthropic_server: AnthropicServer, api_key: str, status: int
) -> None:
    """The config's key echoed in an error body shows nowhere in the formatted chain."""
    anthropic_server.enqueue(Reply(status=status, echo_key=True))
    with pytest.raises(Exception) as info:
        await provider.complete(USER)
    assert api_key not in "".join(traceback.format_exception(info.value))


async def test_key_echoed_in_a_stream_error_event_is_scrubbed(
    provider: LLMProvider, anthropic_server: AnthropicServer, api_key: str
) -> None:
    """The key echoed in an in-stream error event shows nowhere in the formatted chain."""
    anthropic_server.enqueue(Reply("x", stream_error_after=2, echo_key=True))
    with pytest.raises(Exception) as info:
        async for _ in provider.stream(USER):
            pass
    assert api_key not in "".join(traceback.format_exception(info.value))


@pytest.mark.parametrize("fault", ["object", "array", "malformed", "empty"])
async def test_wrong_shaped_answer_is_retried(
    make_provider: MakeProvider, anthropic_server: AnthropicServer, fault: str
) -> None:
    """A 200 that is not a message is a retryable MalformedResponseError: the retry answers."""
    provider = make_provider(retry={"max_retries": 1, "initial_delay": 0.01})
    anthropic_server.enqueue(Reply("x", body_fault=fault), Reply("recovered"))
    assert (await provider.complete(USER)).content == "recovered"
    anthropic_server.enqueue(Reply("x", body_fault=fault))
    with pytest.raises(MalformedResponseError):
        await make_provider().complete(USER)


def test_response_validation_error_is_malformed() -> None:
    """The SDK's APIResponseValidationError (strict validation) is a retryable
    MalformedResponseError, not an APIError that stops retries."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(200, request=request, json={"foo": 1})
    error = translate_error(anthropic.APIResponseValidationError(response, {"foo": 1}))
    assert isinstance(error, MalformedResponseError)
    assert is_retryable(error)


async def test_count_tokens_through_the_client(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """The provider's SDK client serves what the layer does not cover: count_tokens."""
    counted = await provider.client.messages.count_tokens(
        model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi there"}]
    )
    assert counted.input_tokens > 0
    assert anthropic_server.requests[-1].path == "/v1/messages/count_tokens"


@pytest.mark.parametrize("scripted_first", [True, False])
async def test_beside_a_scripted_provider(
    anthropic_server: AnthropicServer, scripted_first: bool
) -> None:
    """In one config with a scripted provider, in either order, each type answers its own."""
    entries = [
        "  fake:\n    type: scripted\n    default_model: scripted-1\n",
        "  claude_main:\n    type: anthropic\n    api_key: sk-ant-x\n"
        f"    default_model: claude-haiku-4-5\n    base_url: {anthropic_server.base_url}\n",
    ]
    if not scripted_first:
        entries.reverse()
    config = loads_config("providers:\n" + "".join(entries))
    registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
    anthropic_server.enqueue(Reply("from claude"))
    assert (await registry.get("claude_main").complete(USER)).content == "from claude"
    assert (await registry.get("fake").complete(USER)).content == "echo: hi"
    await registry.aclose()
