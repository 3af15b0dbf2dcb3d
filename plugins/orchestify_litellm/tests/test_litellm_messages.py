"""orchestify messages, tools and tool choices -> LiteLLM's OpenAI-format input."""

from __future__ import annotations

import pytest
from orchestify_litellm._messages import to_messages, to_tool_choice, to_tools

from orchestify_core import (
    ImagePart,
    LLMMessage,
    RedactedThinkingPart,
    RequestValidationError,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolDefinition,
)

PNG = "iVBORw0KGgo="


def test_system_and_text_messages() -> None:
    """System and plain user text keep their roles and become string contents."""
    messages = [LLMMessage("system", "be brief"), LLMMessage("user", "hi")]
    assert to_messages(messages, claude=False) == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]


def test_images_become_image_url_parts() -> None:
    """Inline images become data URLs and remote ones keep their URL, next to the text."""
    message = LLMMessage(
        "user",
        [
            TextPart("look"),
            ImagePart(media_type="image/png", data=PNG),
            ImagePart.from_url("https://example.com/cat.png"),
        ],
    )
    [converted] = to_messages([message], claude=False)
    assert converted["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ]


def test_assistant_tool_calls_and_results() -> None:
    """Assistant tool calls carry JSON arguments; results become tool messages by call id."""
    call = ToolCall("call_1", "get_weather", {"city": "Paris"})
    messages = [
        LLMMessage("assistant", [TextPart("checking"), call]),
        LLMMessage.tool_result("call_1", "sunny"),
        LLMMessage.tool_result("call_2", "no such city", is_error=True),
    ]
    assert to_messages(messages, claude=False) == [
        {
            "role": "assistant",
            "content": "checking",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "Error: no such city"},
    ]


def test_unparsed_arguments_are_sent_as_received() -> None:
    """A call whose arguments did not parse is sent back with its raw argument text."""
    call = ToolCall.from_json("c", "f", "{not json")
    [converted] = to_messages([LLMMessage("assistant", [call])], claude=False)
    assert converted["content"] is None
    assert converted["tool_calls"][0]["function"]["arguments"] == "{not json"


def test_thinking_blocks_go_back_to_claude_only() -> None:
    """Thinking (signed and redacted) is sent as LiteLLM's thinking_blocks to Claude only."""
    message = LLMMessage(
        "assistant",
        [ThinkingPart("hmm", "sig"), RedactedThinkingPart("opaque"), TextPart("answer")],
    )
    [claude] = to_messages([message], claude=True)
    assert claude["thinking_blocks"] == [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
    ]
    assert claude["content"] == "answer"
    [other] = to_messages([message], claude=False)
    assert "thinking_blocks" not in other


def test_images_outside_user_messages_are_refused() -> None:
    """An image in an assistant or system message is a RequestValidationError."""
    image = ImagePart(media_type="image/png", data=PNG)
    with pytest.raises(RequestValidationError, match="user messages only"):
        to_messages([LLMMessage("assistant", [image])], claude=False)
    with pytest.raises(RequestValidationError, match="text only"):
        to_messages([LLMMessage("system", [image])], claude=False)


def test_tools_are_openai_function_tools() -> None:
    """Tool definitions become OpenAI function tools with their JSON schema."""
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    tools = [ToolDefinition("get_weather", "Weather", schema), ToolDefinition("noop")]
    assert to_tools(tools) == [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": schema, "description": "Weather"},
        },
        {"type": "function", "function": {"name": "noop", "parameters": {"type": "object"}}},
    ]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, None),
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_tool_choice(choice: str | None, expected: object) -> None:
    """Built-in tool choices pass as they are; a tool's name forces that tool."""
    assert to_tool_choice(choice) == expected
