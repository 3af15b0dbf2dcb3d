"""Conversations through the real SDK: what the loopback server recorded on the wire."""

from __future__ import annotations

from typing import Any

import pytest

from orchestify_core import (
    ImagePart,
    LLMMessage,
    LLMProvider,
    RedactedThinkingPart,
    StreamDone,
    TextPart,
    ThinkingPart,
    ToolCall,
    UnsupportedCapabilityError,
)
from orchestify_core.testing.servers import AnthropicServer, Reply, ThinkingSpec, ToolCallSpec

WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
TIME = {"name": "get_time", "input_schema": {"type": "object", "properties": {}}}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


def last_body(server: AnthropicServer) -> dict[str, Any]:
    body: dict[str, Any] = server.requests[-1].body
    return body


async def test_thinking_and_tools_round_trip(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Turn 2 sends back turn 1's signed thinking and tool_use, then the tool_result."""
    anthropic_server.enqueue(
        Reply(
            "Let me look.",
            thinking=ThinkingSpec("The user wants Oslo's weather.", "sig-turn-1"),
            tool_calls=[ToolCallSpec("get_weather", {"city": "Oslo"}, id="toolu_1")],
        ),
        Reply("It is cold.", thinking=ThinkingSpec("Answer now.", "sig-turn-2")),
    )
    messages = [
        LLMMessage(role="system", content="You are a weather bot."),
        *user("Weather in Oslo?"),
    ]
    first = await provider.complete(messages, tools=[WEATHER], thinking=True)
    assert first.finish_reason == "tool_use"
    assert first.parts == [
        ThinkingPart("The user wants Oslo's weather.", "sig-turn-1"),
        TextPart("Let me look."),
        ToolCall("toolu_1", "get_weather", {"city": "Oslo"}),
    ]
    first_body = last_body(anthropic_server)
    assert first_body["system"] == "You are a weather bot."
    assert first_body["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert "temperature" not in first_body

    messages += [first.to_message(), LLMMessage.tool_result("toolu_1", "minus 5")]
    second = await provider.complete(messages, tools=[WEATHER], thinking=True)
    assert second.content == "It is cold."
    assert second.thinking == "Answer now."
    assert last_body(anthropic_server)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "thinking",
                    "thinking": "The user wants Oslo's weather.",
                    "signature": "sig-turn-1",
                },
                {"type": "text", "text": "Let me look."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Oslo"},
                },
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "minus 5"}],
        },
    ]


async def test_streamed_thinking_and_tools_round_trip(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A streamed turn's thinking (with signature) and tool call go back on the next turn."""
    anthropic_server.enqueue(
        Reply(
            thinking=ThinkingSpec("Thinking in pieces about it.", "sig-streamed"),
            tool_calls=[ToolCallSpec("get_weather", {"city": "Rome"}, id="toolu_s")],
            chunk_size=5,
        ),
        Reply("Warm.", chunk_count=2),
    )
    events = [
        e async for e in provider.stream_events(user("Rome?"), tools=[WEATHER], thinking=True)
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.parts == [
        ThinkingPart("Thinking in pieces about it.", "sig-streamed"),
        ToolCall("toolu_s", "get_weather", {"city": "Rome"}),
    ]
    messages = [
        *user("Rome?"),
        done.response.to_message(),
        LLMMessage.tool_result("toolu_s", "28 C"),
    ]
    chunks = [c async for c in provider.stream(messages, tools=[WEATHER], thinking=True)]
    assert "".join(chunks) == "Warm."
    turns = last_body(anthropic_server)["messages"]
    assert turns[1]["content"][0] == {
        "type": "thinking",
        "thinking": "Thinking in pieces about it.",
        "signature": "sig-streamed",
    }
    assert turns[1]["content"][1]["type"] == "tool_use"
    assert turns[2]["content"][0]["tool_use_id"] == "toolu_s"


async def test_redacted_thinking_round_trip(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """A redacted thinking block comes back as RedactedThinkingPart and is sent back unchanged."""
    anthropic_server.enqueue(Reply("Done.", redacted_thinking="EncryptedBlob=="), Reply("Ok."))
    first = await provider.complete(user("Secret plan?"), thinking=True)
    assert first.parts[0] == RedactedThinkingPart("EncryptedBlob==")
    await provider.complete([*user("Secret plan?"), first.to_message(), *user("Go on.")])
    assistant = last_body(anthropic_server)["messages"][1]
    assert assistant["content"][0] == {"type": "redacted_thinking", "data": "EncryptedBlob=="}


async def test_images_base64_and_url_on_the_wire(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Base64 and URL images reach the server as image blocks with their sources."""
    message = LLMMessage(
        role="user",
        content=[
            TextPart("Compare these."),
            ImagePart(media_type="image/png", data=PNG),
            ImagePart.from_url("https://example.com/cat.jpg"),
        ],
    )
    await provider.complete([message])
    [turn] = last_body(anthropic_server)["messages"]
    assert turn["content"] == [
        {"type": "text", "text": "Compare these."},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ("get_time", {"type": "tool", "name": "get_time"}),
    ],
)
async def test_tool_choice_on_the_wire(
    provider: LLMProvider, anthropic_server: AnthropicServer, choice: str, wire: dict[str, str]
) -> None:
    """Each tool_choice form reaches the server in the API's shape, with the tools."""
    await provider.complete(user("time?"), tools=[WEATHER, TIME], tool_choice=choice)
    body = last_body(anthropic_server)
    assert body["tool_choice"] == wire
    assert [tool["name"] for tool in body["tools"]] == ["get_weather", "get_time"]
    assert body["tools"][1] == TIME


async def test_stop_sequence_finish(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """stop goes out as stop_sequences; a stop_sequence stop is a normal STOP."""
    anthropic_server.enqueue(Reply("1, 2", stop_reason="stop_sequence", stop_sequence="3"))
    response = await provider.complete(user("count"), stop=["3"])
    assert last_body(anthropic_server)["stop_sequences"] == ["3"]
    assert (response.finish_reason, response.raw_finish_reason) == ("stop", "stop_sequence")


async def test_thinking_refused_for_a_model_without_it(
    provider: LLMProvider, anthropic_server: AnthropicServer
) -> None:
    """Thinking on claude-3-5-sonnet is refused before anything is sent."""
    with pytest.raises(UnsupportedCapabilityError):
        await provider.complete(user("hi"), model="claude-3-5-sonnet-20241022", thinking=True)
    assert anthropic_server.requests == []
