"""Messages -> Chat Completions messages (the mapping alone, no network)."""

from __future__ import annotations

import json

import pytest
from orchestify_openai._messages import to_messages

from orchestify_core import (
    ImagePart,
    LLMMessage,
    RedactedThinkingPart,
    RequestValidationError,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolResultPart,
)


def test_plain_text_messages_keep_roles_and_order() -> None:
    """System, user and assistant text map to their roles in order, text as plain strings."""
    messages = [
        LLMMessage(role="system", content="Be brief."),
        LLMMessage(role="user", content="Hi"),
        LLMMessage(role="assistant", content="Hello!"),
        LLMMessage(role="user", content="Bye"),
    ]
    assert to_messages(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Bye"},
    ]


def test_system_becomes_developer_for_reasoning_models() -> None:
    """With developer_role, system messages are sent as developer messages."""
    messages = [LLMMessage(role="system", content="Rules."), LLMMessage(role="user", content="Q")]
    assert to_messages(messages, developer_role=True)[0] == {
        "role": "developer",
        "content": "Rules.",
    }


def test_images_become_image_url_parts() -> None:
    """Inline images become base64 data URLs and URL images stay URLs, after the text."""
    message = LLMMessage(
        role="user",
        content=[
            TextPart("Compare these."),
            ImagePart.from_bytes(b"\x89PNG", "image/png"),
            ImagePart.from_url("https://example.com/cat.jpg"),
        ],
    )
    [mapped] = to_messages([message])
    assert mapped["content"] == [
        {"type": "text", "text": "Compare these."},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]


def test_assistant_tool_calls_carry_json_arguments() -> None:
    """An assistant's ToolCall parts become tool_calls with JSON-encoded arguments."""
    message = LLMMessage(
        role="assistant",
        content=[
            TextPart("Checking."),
            ToolCall("call_1", "get_weather", {"city": "Zürich"}),
            ToolCall("call_2", "broken", raw_arguments='{"x": '),
        ],
    )
    [mapped] = to_messages([message])
    assert mapped["role"] == "assistant"
    assert mapped["content"] == "Checking."
    first, second = mapped["tool_calls"]
    assert first == {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Zürich"}'},
    }
    assert json.loads(first["function"]["arguments"]) == {"city": "Zürich"}
    assert second["function"]["arguments"] == '{"x": '


def test_assistant_with_only_tool_calls_has_null_content() -> None:
    """An assistant message of tool calls alone is sent with content None."""
    message = LLMMessage(role="assistant", content=[ToolCall("c", "f", {})])
    [mapped] = to_messages([message])
    assert mapped["content"] is None
    assert mapped["tool_calls"][0]["function"]["arguments"] == "{}"


def test_each_tool_result_is_its_own_tool_message() -> None:
    """Every ToolResultPart becomes a role 'tool' message with its tool_call_id."""
    message = LLMMessage(
        role="tool",
        content=[ToolResultPart("call_1", "sunny"), ToolResultPart("call_2", "boom", True)],
    )
    assert to_messages([message]) == [
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_2", "content": "Error: boom"},
    ]


def test_tool_results_in_a_user_message_come_before_its_text() -> None:
    """Anthropic-style tool results inside a user message become tool messages first."""
    message = LLMMessage(
        role="user", content=[ToolResultPart("call_1", "42"), TextPart("And now?")]
    )
    assert to_messages([message]) == [
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
        {"role": "user", "content": "And now?"},
    ]


def test_thinking_parts_are_dropped() -> None:
    """Thinking and redacted thinking parts are not sent back to OpenAI."""
    message = LLMMessage(
        role="assistant",
        content=[ThinkingPart("hmm", "sig"), RedactedThinkingPart("opaque"), TextPart("Done.")],
    )
    assert to_messages([message]) == [{"role": "assistant", "content": "Done."}]


def test_tool_message_without_results_is_rejected() -> None:
    """A tool message with plain content is refused with a pointer to tool_result()."""
    with pytest.raises(RequestValidationError, match="tool_result"):
        to_messages([LLMMessage(role="tool", content="sunny")])


def test_image_in_assistant_message_is_rejected() -> None:
    """OpenAI takes no images from the assistant: refused before sending."""
    message = LLMMessage(role="assistant", content=[ImagePart.from_url("https://x/y.png")])
    with pytest.raises(RequestValidationError, match="assistant"):
        to_messages([message])
