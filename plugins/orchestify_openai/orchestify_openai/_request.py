"""A CompletionRequest -> the keyword arguments of ``chat.completions.create``.

- The output limit is ``max_completion_tokens`` for reasoning and newer models, else
  ``max_tokens`` (``options.max_tokens_param`` forces one).
- ``temperature`` is left out for reasoning models, which accept only their default.
- With ``options.send_defaults`` False, ``temperature``, the output limit and ``stop`` are
  sent only when the caller set them (``request.is_given``): some OpenAI-compatible
  servers and reasoning models refuse them.
- ``thinking=True`` sends ``reasoning_effort`` (``options.reasoning_effort``, default
  ``medium``); OpenAI has no thinking budget, so ``thinking_budget`` is not sent.
- ``timeout`` is the attempt's (``request.timeout``), so the SDK's read timeout, set from
  the config when the client was built, never cuts a longer call first.
- Streams always ask for usage (``stream_options.include_usage``).
- ``request.extra`` is applied last: keys the SDK knows are passed as arguments, others go
  into ``extra_body`` (for the parameters of OpenAI-compatible servers).
- Prompt caching: OpenAI caches prompt prefixes by itself, so prompt-cache marks are not
  sent (they are still checked, and a call's ``extra["prompt_cache"]`` is taken out);
  ``options.prompt_cache_key`` and ``options.prompt_cache_retention`` are sent as
  ``prompt_cache_key`` and ``prompt_cache_retention`` (a call's ``extra`` wins).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cache
from typing import Any

from orchestify_core.plugin import CompletionRequest, prepare_prompt_cache

from ._messages import to_messages, tool_choice_param, tool_param
from ._models import ModelProfile, profile
from ._options import OpenAIOptions

__all__ = ["build_params"]


@cache
def _sdk_parameters() -> frozenset[str]:
    """The keyword arguments ``AsyncCompletions.create`` accepts."""
    from openai.resources.chat.completions import AsyncCompletions

    return frozenset(inspect.signature(AsyncCompletions.create).parameters) - {"self"}


def build_params(
    request: CompletionRequest, options: OpenAIOptions, *, stream: bool = False
) -> dict[str, Any]:
    """The arguments of one ``chat.completions.create`` call."""
    request = prepare_prompt_cache(request)
    shape = profile(request.model)
    params: dict[str, Any] = {
        "model": request.model,
        "messages": to_messages(request.messages, developer_role=shape.reasoning),
    }
    _add_sampling(params, request, options, shape)
    if request.tools:
        params["tools"] = [tool_param(tool) for tool in request.tools]
    if request.tool_choice is not None:
        params["tool_choice"] = tool_choice_param(request.tool_choice, request.tools)
    if request.thinking:
        params["reasoning_effort"] = options.reasoning_effort.value
    if request.timeout is not None:
        params["timeout"] = request.timeout
    if options.prompt_cache_key is not None:
        params["prompt_cache_key"] = options.prompt_cache_key
    if options.prompt_cache_retention is not None:
        params["prompt_cache_retention"] = options.prompt_cache_retention.value
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


def _add_sampling(
    params: dict[str, Any], request: CompletionRequest, options: OpenAIOptions, shape: ModelProfile
) -> None:
    """The output limit, ``temperature`` and ``stop``: each unless the caller left it unset
    and the options say not to send defaults."""
    send = options.send_defaults
    if send or request.is_given("max_tokens"):
        params[_limit_name(options, shape)] = request.max_tokens
    if (
        request.temperature is not None
        and not shape.reasoning
        and (send or request.is_given("temperature"))
    ):
        params["temperature"] = request.temperature
    if request.stop and (send or request.is_given("stop")):
        params["stop"] = list(request.stop)


def _limit_name(options: OpenAIOptions, shape: ModelProfile) -> str:
    """The name the output limit is sent under: the option's, else the model's."""
    if options.max_tokens_param is not None:
        return options.max_tokens_param.value
    return "max_completion_tokens" if shape.max_completion_tokens else "max_tokens"


def _apply_extra(params: dict[str, Any], extra: Mapping[str, Any] | None) -> None:
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
