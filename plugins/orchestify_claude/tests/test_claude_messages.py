"""CompletionRequest -> messages.create arguments (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from orchestify_claude._messages import convert_messages
from orchestify_claude._options import ClaudeOptions
from orchestify_claude._request import build_params, thinking_config

from orchestify_core import (
    CompletionRequest,
    ImagePart,
    LLMMessage,
    RedactedThinkingPart,
    RequestValidationError,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)

TOOL = ToolDefinition("get_weather", "Weather of a city", {"type": "object", "properties": {}})
USER = (LLMMessage(role="user", content="hi"),)
PLAIN = ClaudeOptions()


def request(**fields: Any) -> CompletionRequest:
    values: dict[str, Any] = {"messages": USER, "model": "claude-sonnet-4-5", "max_tokens": 8192}
    values.update(fields)
    return CompletionRequest(**values)


def test_minimal_request() -> None:
    """A plain request has model, max_tokens and the messages, and nothing else."""
    params = build_params(request(), PLAIN)
    assert params == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }


def test_system_messages_become_the_system_parameter() -> None:
    """System messages are joined into ``system`` and left out of ``messages``."""
    messages = (
        LLMMessage(role="system", content="Be brief."),
        LLMMessage(role="system", content="Answer in French."),
        *USER,
    )
    params = build_params(request(messages=messages), PLAIN)
    assert params["system"] == "Be brief.\n\nAnswer in French."
    assert [turn["role"] for turn in params["messages"]] == ["user"]


def test_consecutive_turns_of_one_role_are_merged() -> None:
    """Consecutive user (and tool) messages merge into one user turn, keeping their order."""
    messages = [
        LLMMessage(role="user", content="one"),
        LLMMessage(role="user", content="two"),
        LLMMessage(role="assistant", content="three"),
        LLMMessage(role="assistant", content="four"),
    ]
    turns = convert_messages(messages)
    assert turns == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "three"}, {"type": "text", "text": "four"}],
        },
    ]


def test_tool_results_are_user_blocks_placed_first() -> None:
    """Tool results (role tool or user) become tool_result blocks at the start of a user turn."""
    messages = [
        LLMMessage(role="user", content="weather?"),
        LLMMessage(role="assistant", content=[ToolCall("t1", "get_weather", {"city": "Oslo"})]),
        LLMMessage(role="user", content="and be quick"),
        LLMMessage.tool_result("t1", "cold", is_error=False),
        LLMMessage(role="user", content=[ToolResultPart("t2", "boom", is_error=True)]),
    ]
    turns = convert_messages(messages)
    assert turns[1] == {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Oslo"}}
        ],
    }
    assert turns[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "cold"},
            {"type": "tool_result", "tool_use_id": "t2", "content": "boom", "is_error": True},
            {"type": "text", "text": "and be quick"},
        ],
    }


def test_thinking_parts_go_back_unchanged() -> None:
    """Signed thinking and redacted thinking are sent back as they came; unsigned is left out."""
    assistant = LLMMessage(
        role="assistant",
        content=[
            ThinkingPart("step by step", "sig-1"),
            RedactedThinkingPart("opaque=="),
            ThinkingPart("from another provider", None),
            TextPart("Let me check."),
            ToolCall("t1", "get_weather", {}),
        ],
    )
    [_, turn] = convert_messages([*USER, assistant])
    assert turn["content"] == [
        {"type": "thinking", "thinking": "step by step", "signature": "sig-1"},
        {"type": "redacted_thinking", "data": "opaque=="},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {}},
    ]


def test_images_base64_url_and_data_url() -> None:
    """Inline images are base64 sources, URLs url sources, data: URLs become base64 sources."""
    message = LLMMessage(
        role="user",
        content=[
            ImagePart(media_type="image/png", data="AAAA"),
            ImagePart.from_url("https://example.com/cat.jpg"),
            ImagePart.from_url("data:image/gif;base64,R0lG"),
        ],
    )
    [turn] = convert_messages([message])
    assert [block["source"] for block in turn["content"]] == [
        {"type": "base64", "media_type": "image/png", "data": "AAAA"},
        {"type": "url", "url": "https://example.com/cat.jpg"},
        {"type": "base64", "media_type": "image/gif", "data": "R0lG"},
    ]


def test_non_base64_data_url_is_refused() -> None:
    """A data: URL that is not base64 is a RequestValidationError."""
    message = LLMMessage(role="user", content=[ImagePart.from_url("data:text/plain,hello")])
    with pytest.raises(RequestValidationError, match="base64"):
        convert_messages([message])


def test_empty_messages_are_skipped() -> None:
    """A message with no content sends no empty turn."""
    turns = convert_messages([*USER, LLMMessage(role="assistant", content="")])
    assert [turn["role"] for turn in turns] == ["user"]


def test_tools_are_name_description_input_schema() -> None:
    """ToolDefinitions become {name, description, input_schema}."""
    params = build_params(request(tools=(TOOL,)), PLAIN)
    assert params["tools"] == [
        {
            "name": "get_weather",
            "description": "Weather of a city",
            "input_schema": {"type": "object", "properties": {}},
        }
    ]
    assert "tool_choice" not in params


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
    ],
)
def test_tool_choice_forms(choice: str, expected: dict[str, str]) -> None:
    """tool_choice auto / none / required (any) / a tool's name map to the API's forms."""
    assert (
        build_params(request(tools=(TOOL,), tool_choice=choice), PLAIN)["tool_choice"] == expected
    )


def test_tool_choice_of_unknown_tool_is_refused() -> None:
    """A tool_choice naming no given tool is a RequestValidationError listing the tools."""
    with pytest.raises(RequestValidationError, match="get_weather"):
        build_params(request(tools=(TOOL,), tool_choice="get_time"), PLAIN)


def test_thinking_default_budget_is_half_of_max_tokens() -> None:
    """thinking=True without a budget: enabled with half of max_tokens, no temperature."""
    params = build_params(
        request(thinking=True, temperature=0.7), ClaudeOptions(send_temperature=True)
    )
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert "extra_body" not in params


@pytest.mark.parametrize(
    ("max_tokens", "budget"), [(2048, 1024), (1500, 1024), (1025, 1024), (64000, 32000)]
)
def test_thinking_default_budget_bounds(max_tokens: int, budget: int) -> None:
    """The default budget is at least 1024 and below max_tokens."""
    config = thinking_config(request(thinking=True, max_tokens=max_tokens))
    assert config == {"type": "enabled", "budget_tokens": budget}


def test_thinking_explicit_budget() -> None:
    """An explicit thinking_budget is sent as it is."""
    config = thinking_config(request(thinking=True, thinking_budget=2000))
    assert config == {"type": "enabled", "budget_tokens": 2000}


@pytest.mark.parametrize(("max_tokens", "budget"), [(1024, None), (4096, 512), (4096, 4096)])
def test_thinking_impossible_budget_is_refused(max_tokens: int, budget: int | None) -> None:
    """A budget under 1024, or not below max_tokens, is a RequestValidationError."""
    with pytest.raises(RequestValidationError, match="thinking budget"):
        thinking_config(request(thinking=True, max_tokens=max_tokens, thinking_budget=budget))


def test_adaptive_thinking_family() -> None:
    """Models whose budgets the SDK deprecates think adaptively."""
    assert thinking_config(request(model="claude-opus-4-6", thinking=True)) == {"type": "adaptive"}


def test_thinking_with_forced_tool_is_refused() -> None:
    """Thinking with tool_choice 'required' or a tool name is refused before sending."""
    with pytest.raises(RequestValidationError, match="tool_choice"):
        build_params(request(tools=(TOOL,), tool_choice="required", thinking=True), PLAIN)


def test_temperature_is_not_sent_by_default() -> None:
    """temperature is not a Messages API parameter of the SDK: it is left out by default."""
    assert "extra_body" not in build_params(request(temperature=0.2), PLAIN)


def test_temperature_sent_when_asked() -> None:
    """With send_temperature the temperature goes into the body; above 1 it is refused."""
    params = build_params(request(temperature=0.2), ClaudeOptions(send_temperature=True))
    assert params["extra_body"] == {"temperature": 0.2}
    with pytest.raises(RequestValidationError, match="between 0 and 1"):
        build_params(request(temperature=1.5), ClaudeOptions(send_temperature=True))


def test_stop_sequences() -> None:
    """stop becomes stop_sequences."""
    assert build_params(request(stop=("END",)), PLAIN)["stop_sequences"] == ["END"]


def test_extra_goes_to_the_body_and_sdk_keywords_to_the_sdk() -> None:
    """extra keys go into the JSON body, except extra_headers/extra_query/extra_body."""
    params = build_params(
        request(
            extra={
                "metadata": {"user_id": "u1"},
                "extra_headers": {"anthropic-beta": "x"},
                "extra_body": {"top_k": 5},
            }
        ),
        PLAIN,
    )
    assert params["extra_headers"] == {"anthropic-beta": "x"}
    assert params["extra_body"] == {"metadata": {"user_id": "u1"}, "top_k": 5}
