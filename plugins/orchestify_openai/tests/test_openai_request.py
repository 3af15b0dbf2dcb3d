"""CompletionRequest -> chat.completions.create arguments (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from orchestify_openai._options import OpenAIOptions
from orchestify_openai._request import build_params

from orchestify_core import CompletionRequest, LLMMessage, RequestValidationError, ToolDefinition

TOOL = ToolDefinition("get_weather", "Weather of a city", {"type": "object", "properties": {}})
USER = (LLMMessage(role="user", content="hi"),)


def request(**fields: Any) -> CompletionRequest:
    values: dict[str, Any] = {"messages": USER, "model": "gpt-4o-mini", "max_tokens": 100}
    values.update(fields)
    return CompletionRequest(**values)


def test_classic_model_gets_max_tokens_and_temperature() -> None:
    """A non-reasoning model gets max_tokens and the temperature, no reasoning_effort."""
    params = build_params(request(temperature=0.3), OpenAIOptions(), stream=False)
    assert params["max_tokens"] == 100
    assert params["temperature"] == 0.3
    assert "max_completion_tokens" not in params
    assert "reasoning_effort" not in params
    assert "stream" not in params


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini-2025-04-16", "gpt-5", "gpt-5.2-pro"])
def test_reasoning_model_params(model: str) -> None:
    """Reasoning models: max_completion_tokens, reasoning_effort, developer role, no temperature."""
    messages = (LLMMessage(role="system", content="Rules."), *USER)
    params = build_params(
        request(model=model, messages=messages, thinking=True), OpenAIOptions(), stream=False
    )
    assert params["max_completion_tokens"] == 100
    assert "max_tokens" not in params
    assert "temperature" not in params
    assert params["reasoning_effort"] == "medium"
    assert params["messages"][0]["role"] == "developer"


def test_newer_non_reasoning_model_gets_max_completion_tokens() -> None:
    """gpt-4.1 takes max_completion_tokens but keeps its temperature and system role."""
    messages = (LLMMessage(role="system", content="Rules."), *USER)
    params = build_params(
        request(model="gpt-4.1", messages=messages), OpenAIOptions(), stream=False
    )
    assert params["max_completion_tokens"] == 100
    assert params["temperature"] == 0.7
    assert params["messages"][0]["role"] == "system"


def test_options_set_effort_and_limit_name() -> None:
    """options.reasoning_effort and options.max_tokens_param change what is sent."""
    options = OpenAIOptions(reasoning_effort="high", max_tokens_param="max_completion_tokens")
    params = build_params(request(model="my-local-model", thinking=True), options, stream=False)
    assert params["reasoning_effort"] == "high"
    assert params["max_completion_tokens"] == 100


def test_extra_overrides_and_unknown_keys_go_to_extra_body() -> None:
    """request.extra passes through: SDK arguments as kwargs, others in extra_body."""
    extra = {"reasoning_effort": "low", "seed": 7, "top_k": 40, "repetition_penalty": 1.1}
    params = build_params(
        request(model="o3", thinking=True, extra=extra), OpenAIOptions(), stream=False
    )
    assert params["reasoning_effort"] == "low"
    assert params["seed"] == 7
    assert params["extra_body"] == {"top_k": 40, "repetition_penalty": 1.1}


def test_tools_and_tool_choice_forms() -> None:
    """Tools become function tools; auto/none/required pass as strings, a name as a function."""
    assert build_params(request(tools=(TOOL,)), OpenAIOptions(), stream=False)["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ]
    for choice in ("auto", "none", "required"):
        params = build_params(
            request(tools=(TOOL,), tool_choice=choice), OpenAIOptions(), stream=False
        )
        assert params["tool_choice"] == choice
    params = build_params(
        request(tools=(TOOL,), tool_choice="get_weather"), OpenAIOptions(), stream=False
    )
    assert params["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}


def test_unknown_tool_choice_is_rejected() -> None:
    """A tool_choice naming no given tool is refused before sending."""
    with pytest.raises(RequestValidationError, match="get_weather"):
        build_params(request(tools=(TOOL,), tool_choice="nope"), OpenAIOptions(), stream=False)


def test_streams_always_ask_for_usage() -> None:
    """A stream sets stream=True and include_usage, even over the caller's stream_options."""
    extra = {"stream_options": {"include_usage": False, "include_obfuscation": False}}
    params = build_params(request(extra=extra), OpenAIOptions(), stream=True)
    assert params["stream"] is True
    assert params["stream_options"] == {"include_usage": True, "include_obfuscation": False}


def test_stop_sequences_are_a_list() -> None:
    """Stop sequences are sent as a list."""
    params = build_params(request(stop=("END", "STOP")), OpenAIOptions(), stream=False)
    assert params["stop"] == ["END", "STOP"]
