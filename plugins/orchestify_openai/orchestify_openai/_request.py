"""A CompletionRequest -> the keyword arguments of ``chat.completions.create``.

- The output limit is ``max_completion_tokens`` for reasoning and newer models, else
  ``max_tokens`` (``options.max_tokens_param`` forces one).
- ``temperature`` is left out for reasoning models, which accept only their default.
- ``thinking=True`` sends ``reasoning_effort`` (``options.reasoning_effort``, default
  ``medium``); OpenAI has no thinking budget, so ``thinking_budget`` is not sent.
- Tools become function tools; ``tool_choice`` is ``auto``, ``none``, ``required`` or a
  tool's name (a named function).
- Streams always ask for usage (``stream_options.include_usage``).
- ``request.extra`` is applied last: keys the SDK knows are passed as arguments, others go
  into ``extra_body`` (for the parameters of OpenAI-compatible servers).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from functools import cache
from typing import Any

from orchestify_core.errors import RequestValidationError
from orchestify_core.models import CompletionRequest, ToolDefinition

from ._capabilities import profile
from ._messages import to_openai_messages
from ._options import OpenAIOptions

__all__ = ["build_params", "tool_choice_param", "tool_param"]

_CHOICE_KEYWORDS = frozenset({"auto", "none", "required"})


@cache
def _sdk_parameters() -> frozenset[str]:
    """The keyword arguments ``AsyncCompletions.create`` accepts."""
    from openai.resources.chat.completions import AsyncCompletions

    return frozenset(inspect.signature(AsyncCompletions.create).parameters) - {"self"}


def tool_param(tool: ToolDefinition) -> dict[str, Any]:
    """A tool definition as a Chat Completions function tool."""
    function: dict[str, Any] = {"name": tool.name, "parameters": dict(tool.input_schema)}
    if tool.description:
        function["description"] = tool.description
    return {"type": "function", "function": function}


def tool_choice_param(choice: str, tools: Sequence[ToolDefinition]) -> str | dict[str, Any]:
    """``auto`` / ``none`` / ``required``, or a tool name as a named function choice."""
    if choice in _CHOICE_KEYWORDS:
        return choice
    names = [tool.name for tool in tools]
    if choice not in names:
        raise RequestValidationError(
            f"tool_choice {choice!r} is neither auto, none nor required, nor one of the "
            f"tools ({', '.join(names)})"
        )
    return {"type": "function", "function": {"name": choice}}


def build_params(
    request: CompletionRequest, options: OpenAIOptions, *, stream: bool
) -> dict[str, Any]:
    """The arguments of one ``chat.completions.create`` call."""
    shape = profile(request.model)
    params: dict[str, Any] = {
        "model": request.model,
        "messages": to_openai_messages(request.messages, developer_role=shape.reasoning),
    }
    limit = options.max_tokens_param
    if limit is None:
        limit = "max_completion_tokens" if shape.max_completion_tokens else "max_tokens"
    params[limit] = request.max_tokens
    if request.temperature is not None and not shape.reasoning:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop"] = list(request.stop)
    if request.tools:
        params["tools"] = [tool_param(tool) for tool in request.tools]
    if request.tool_choice is not None:
        params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)
    if request.thinking:
        params["reasoning_effort"] = options.reasoning_effort
    _apply_extra(params, request.extra)
    if stream:
        params["stream"] = True
        stream_options = params.get("stream_options")
        merged = dict(stream_options) if isinstance(stream_options, dict) else {}
        merged["include_usage"] = True
        params["stream_options"] = merged
    else:
        params.pop("stream", None)
        params.pop("stream_options", None)
    return params


def _apply_extra(params: dict[str, Any], extra: Any) -> None:
    if not extra:
        return
    known = _sdk_parameters()
    body: dict[str, Any] = {}
    for key, value in extra.items():
        if key in known:
            params[key] = value
        else:
            body[key] = value
    if body:
        given = params.get("extra_body")
        params["extra_body"] = {**given, **body} if isinstance(given, dict) else body
