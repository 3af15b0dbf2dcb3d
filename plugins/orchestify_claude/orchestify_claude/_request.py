"""CompletionRequest -> the keyword arguments of ``AsyncAnthropic.messages.create``.

The attempt's ``timeout`` goes to the SDK request, so that the client's own timeout (the
config's) never cuts a call the caller gave longer. Thinking budgets follow the core's one
rule (:func:`thinking_budget`); the families for which the SDK deprecates budgets think
adaptively instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestify_core.plugin import (
    CompletionRequest,
    RequestValidationError,
    prepare_prompt_cache,
    thinking_budget,
)

from ._messages import Block, convert_messages, tool_choice_param, tool_param
from ._models import ADAPTIVE_THINKING_FAMILIES, family_of
from ._options import ClaudeOptions
from ._prompt_cache import system_param

__all__ = ["build_params", "thinking_config"]

#: ``extra`` keys handed to the SDK as they are; every other key goes into the JSON body.
_SDK_KEYWORDS = frozenset({"extra_headers", "extra_query", "extra_body"})


def thinking_config(request: CompletionRequest) -> Block:
    """The ``thinking`` parameter of a request that thinks.

    ``budget_tokens`` follows :func:`thinking_budget`: the request's ``thinking_budget`` or
    half of ``max_tokens``, at least 1,024 and below ``max_tokens``, as the API wants.
    """
    if family_of(request.model) in ADAPTIVE_THINKING_FAMILIES:
        return {"type": "adaptive"}
    return {"type": "enabled", "budget_tokens": thinking_budget(request)}


def _forces_tool(choice: str | None) -> bool:
    return choice is not None and choice not in ("auto", "none")


def build_params(request: CompletionRequest, options: ClaudeOptions) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for ``request`` (without ``stream``).

    ``temperature`` is not a parameter of the Messages API version the SDK speaks; with
    ``options.send_temperature`` it is sent anyway (in the JSON body), except when
    thinking, which requires the default. ``request.extra`` is merged last:
    ``extra_headers``, ``extra_query`` and ``extra_body`` go to the SDK, any other key into
    the JSON body, where it wins over what this function computed. Prompt-cache marks (the
    caller's, and the automatic policy's: ``options.prompt_cache`` or the call's
    ``extra["prompt_cache"]``) become ``cache_control`` (see :mod:`._prompt_cache`).
    """
    request = prepare_prompt_cache(request, options.prompt_cache, options.prompt_cache_ttl)
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": convert_messages(request.messages),
    }
    system = system_param(request)
    if system:
        params["system"] = system
    if request.tools:
        params["tools"] = [tool_param(tool) for tool in request.tools]
    if request.tool_choice is not None:
        params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)
    if request.stop:
        params["stop_sequences"] = list(request.stop)
    if request.timeout is not None:
        params["timeout"] = request.timeout
    body: dict[str, Any] = {}
    if request.thinking:
        if _forces_tool(request.tool_choice):
            raise RequestValidationError(
                "extended thinking works only with tool_choice 'auto' or 'none', "
                f"not {request.tool_choice!r}"
            )
        params["thinking"] = thinking_config(request)
    elif options.send_temperature and request.temperature is not None:
        body["temperature"] = _temperature(request.temperature)
    _merge_extra(params, body, request.extra)
    if body:
        params["extra_body"] = body
    return params


def _temperature(value: float) -> float:
    if not 0 <= value <= 1:
        raise RequestValidationError(f"Anthropic takes a temperature between 0 and 1, got {value}")
    return value


def _merge_extra(params: dict[str, Any], body: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if key == "extra_body":
            if not isinstance(value, Mapping):
                raise RequestValidationError("extra['extra_body'] must be a mapping")
            body.update(value)
        elif key in _SDK_KEYWORDS:
            params[key] = value
        else:
            body[key] = value
