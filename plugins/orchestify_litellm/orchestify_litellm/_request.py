"""A :class:`CompletionRequest` as the arguments of one ``litellm.acompletion`` call.

Thinking (``thinking=True``) is sent only to models LiteLLM says can reason
(``litellm.supports_reasoning``): to Claude backends as
``thinking={"type": "enabled", "budget_tokens": N}`` (the request's or the config's
``thinking_budget``, else half of ``max_tokens``, at least 1024, and always less than
``max_tokens``) without a temperature, which Anthropic refuses with thinking; to the others
as ``reasoning_effort`` (``low`` up to 2048 budget tokens, ``medium`` up to 8192, ``high``
above; ``medium`` without a budget). ``extra`` is passed last and wins, except for the
arguments the layer owns.
"""

from __future__ import annotations

from typing import Any

from orchestify_core.errors import RequestValidationError
from orchestify_core.models import CompletionRequest

from ._messages import to_messages, to_tool_choice, to_tools
from ._routing import Route
from ._settings import check_reserved

__all__ = ["MIN_THINKING_BUDGET", "build_kwargs", "reasoning_effort", "thinking_budget"]

MIN_THINKING_BUDGET = 1024


def thinking_budget(request: CompletionRequest) -> int:
    """The budget of thinking tokens for a Claude backend; RequestValidationError if
    ``max_tokens`` leaves no room for it."""
    budget = request.thinking_budget or max(MIN_THINKING_BUDGET, request.max_tokens // 2)
    if budget >= request.max_tokens:
        raise RequestValidationError(
            f"thinking needs max_tokens above the thinking budget ({budget} tokens); "
            f"max_tokens is {request.max_tokens}"
        )
    return budget


def reasoning_effort(budget: int | None) -> str:
    """A ``reasoning_effort`` for a budget of thinking tokens."""
    if budget is None:
        return "medium"
    if budget <= 2048:
        return "low"
    return "medium" if budget <= 8192 else "high"


def build_kwargs(
    request: CompletionRequest, route: Route, *, reasoning: bool, stream: bool
) -> dict[str, Any]:
    """The per-request arguments (the provider's own come from ``CallSettings``)."""
    kwargs: dict[str, Any] = {
        "model": route.model,
        "messages": to_messages(request.messages, claude=route.claude),
        "max_tokens": request.max_tokens,
    }
    if route.custom_llm_provider is not None:
        kwargs["custom_llm_provider"] = route.custom_llm_provider
    thinking = request.thinking and reasoning
    if thinking and route.claude:
        kwargs["thinking"] = {"type": "enabled", "budget_tokens": thinking_budget(request)}
    elif request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if thinking and not route.claude:
        kwargs["reasoning_effort"] = reasoning_effort(request.thinking_budget)
    if request.tools:
        kwargs["tools"] = to_tools(request.tools)
        choice = to_tool_choice(request.tool_choice)
        if choice is not None:
            kwargs["tool_choice"] = choice
    if request.stop:
        kwargs["stop"] = list(request.stop)
    if stream:
        kwargs["stream"] = True
        if not route.usage_recorded:  # see Route.usage_recorded and _stream
            kwargs["stream_options"] = {"include_usage": True}
    problem = check_reserved(request.extra, "extra")
    if problem is not None:
        raise RequestValidationError(problem)
    kwargs.update(request.extra)
    return kwargs
