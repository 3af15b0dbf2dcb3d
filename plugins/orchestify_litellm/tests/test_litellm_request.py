"""A CompletionRequest -> the arguments of one litellm.acompletion call."""

from __future__ import annotations

from typing import Any

import pytest
from orchestify_litellm._options import CallSettings, LiteLLMOptions
from orchestify_litellm._request import build_params, reasoning_effort
from orchestify_litellm._routing import Route, served_model

from orchestify_core import LLMMessage, RequestValidationError, ToolDefinition
from orchestify_core.models import CompletionRequest

CLAUDE = Route("anthropic/claude-sonnet-4-5", "anthropic")
GPT = Route("openai/o3-mini", "openai")
SETTINGS = CallSettings(
    api_key=None, api_base=None, extra_headers={}, organization=None, options=LiteLLMOptions()
)


def build_kwargs(
    request: CompletionRequest, route: Route, *, reasoning: bool, stream: bool
) -> dict[str, Any]:
    return build_params(request, SETTINGS, route, reasoning=reasoning, stream=stream)


def _request(**fields: Any) -> CompletionRequest:
    values: dict[str, Any] = {
        "messages": (LLMMessage("user", "hi"),),
        "model": "m",
        "max_tokens": 4096,
        **fields,
    }
    return CompletionRequest(**values)


def test_basic_arguments() -> None:
    """Model, messages, max_tokens, temperature, tools, tool_choice and stop are passed."""
    request = _request(
        temperature=0.2,
        tools=(ToolDefinition("f"),),
        tool_choice="f",
        stop=("END",),
    )
    kwargs = build_kwargs(request, GPT, reasoning=False, stream=False)
    assert kwargs["model"] == "openai/o3-mini"
    assert kwargs["messages"] == [{"role": "user", "content": "hi"}]
    assert kwargs["max_tokens"] == 4096
    assert kwargs["temperature"] == 0.2
    assert kwargs["tools"][0]["function"]["name"] == "f"
    assert kwargs["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert kwargs["stop"] == ["END"]
    assert "stream" not in kwargs


def test_stream_asks_for_usage() -> None:
    """A stream asks LiteLLM for the usage chunk (stream_options.include_usage)."""
    kwargs = build_kwargs(_request(), GPT, reasoning=False, stream=True)
    assert kwargs["stream"] is True
    assert kwargs["stream_options"] == {"include_usage": True}


def test_anthropic_stream_does_not_ask_for_usage() -> None:
    """On Anthropic's API the usage comes with the stream: no stream_options are sent."""
    kwargs = build_kwargs(_request(), CLAUDE, reasoning=False, stream=True)
    assert kwargs["stream"] is True
    assert "stream_options" not in kwargs
    bedrock = Route("bedrock/anthropic.claude-sonnet-4-5", "bedrock")
    assert bedrock.claude
    assert build_kwargs(_request(), bedrock, reasoning=False, stream=True)["stream_options"] == {
        "include_usage": True
    }


def test_claude_thinking_has_a_budget_and_no_temperature() -> None:
    """Thinking on a Claude backend is thinking.enabled with a budget, without temperature."""
    kwargs = build_kwargs(
        _request(thinking=True, thinking_budget=2000), CLAUDE, reasoning=True, stream=False
    )
    assert kwargs["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert "temperature" not in kwargs
    assert "reasoning_effort" not in kwargs


def test_default_budget_is_half_of_max_tokens() -> None:
    """Without a budget, Claude thinks with half of max_tokens (at least 1024)."""
    kwargs = build_kwargs(_request(thinking=True), CLAUDE, reasoning=True, stream=False)
    assert kwargs["thinking"]["budget_tokens"] == 2048


def test_budget_must_leave_room_for_the_answer() -> None:
    """A thinking budget that is not below max_tokens is refused before sending."""
    request = _request(thinking=True, max_tokens=1024)
    with pytest.raises(RequestValidationError, match=r"below max_tokens \(1024\)"):
        build_kwargs(request, CLAUDE, reasoning=True, stream=False)


def test_other_reasoning_models_get_reasoning_effort() -> None:
    """Thinking on a non-Claude reasoning model is reasoning_effort, temperature kept."""
    kwargs = build_kwargs(
        _request(thinking=True, thinking_budget=10_000), GPT, reasoning=True, stream=False
    )
    assert kwargs["reasoning_effort"] == "high"
    assert "thinking" not in kwargs


def test_no_thinking_for_models_that_do_not_reason() -> None:
    """Thinking is not sent to a model LiteLLM says cannot reason."""
    kwargs = build_kwargs(_request(thinking=True), CLAUDE, reasoning=False, stream=False)
    assert "thinking" not in kwargs
    assert "reasoning_effort" not in kwargs


@pytest.mark.parametrize(
    ("budget", "effort"), [(None, "medium"), (1024, "low"), (4096, "medium"), (20_000, "high")]
)
def test_reasoning_effort_of_budget(budget: int | None, effort: str) -> None:
    """A thinking budget maps to low, medium or high reasoning effort."""
    assert reasoning_effort(budget) == effort


def test_extra_is_passed_but_cannot_take_over() -> None:
    """extra passes provider arguments through, but not the ones the layer owns."""
    kwargs = build_kwargs(_request(extra={"top_p": 0.5}), GPT, reasoning=False, stream=False)
    assert kwargs["top_p"] == 0.5
    with pytest.raises(RequestValidationError, match=r"extra\.num_retries"):
        build_kwargs(_request(extra={"num_retries": 3}), GPT, reasoning=False, stream=False)


def test_served_model_keeps_the_provider_prefix() -> None:
    """A served model id gets the request's provider prefix back, once."""
    assert served_model(CLAUDE, "claude-sonnet-4-5") == "anthropic/claude-sonnet-4-5"
    assert served_model(CLAUDE, "anthropic/claude-x") == "anthropic/claude-x"
    assert served_model(CLAUDE, None) == CLAUDE.model
    assert served_model(Route("gpt-4o", "openai"), "gpt-4o-2024-08-06") == "gpt-4o-2024-08-06"


def test_claude_backends() -> None:
    """Claude models are recognised directly and through Bedrock or Vertex AI."""
    assert CLAUDE.claude
    assert Route("bedrock/anthropic.claude-3-7-sonnet", "bedrock").claude
    assert not Route("bedrock/amazon.nova-pro", "bedrock").claude
    assert not GPT.claude


def test_the_request_timeout_is_passed() -> None:
    """The attempt's timeout (a call's timeout= or the config's) is LiteLLM's timeout."""
    kwargs = build_kwargs(_request(timeout=42.0), GPT, reasoning=False, stream=False)
    assert kwargs["timeout"] == 42.0
    assert (kwargs["num_retries"], kwargs["max_retries"]) == (0, 0)
