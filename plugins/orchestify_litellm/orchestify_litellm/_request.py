"""A :class:`CompletionRequest` as one ``litellm.acompletion`` call, and the non-streamed
call itself.

The call's arguments are the provider's (``CallSettings.call_kwargs``: key, endpoint,
headers, options, LiteLLM's retries off) and the request's: model, messages, ``max_tokens``,
temperature, tools, stop sequences, and ``timeout=request.timeout`` (the attempt's, so that
a call's ``timeout=`` reaches the HTTP request). ``extra`` is passed last and wins, except
for the arguments the layer owns.

Thinking (``thinking=True``) is sent only to models LiteLLM says can reason
(``litellm.supports_reasoning``): to Claude backends as
``thinking={"type": "enabled", "budget_tokens": N}`` (the core's ``thinking_budget`` rule)
without a temperature, which Anthropic refuses with thinking; to the others as
``reasoning_effort`` (``low`` up to 2048 budget tokens, ``medium`` up to 8192, ``high``
above; ``medium`` without a budget).

Prompt caching (:mod:`._prompt_cache`): the request's marks (the caller's, and the
automatic policy's: ``options.prompt_cache`` or a call's ``extra["prompt_cache"]``) are
sent as ``cache_control`` to Claude backends; other backends get ``prompt_cache_key``
(``options.prompt_cache_key``; a call's ``extra`` wins) instead.

LiteLLM's retries are off for every call; a failed attempt is translated (``_errors``) and
raised to the core, which retries, fails over, scrubs and accounts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestify_core.plugin import (
    CompletionRequest,
    LLMResponse,
    RequestValidationError,
    prepare_prompt_cache,
    thinking_budget,
)

from ._client import LiteLLMClient
from ._errors import cause_of, translate_error
from ._http import tap_stop_reason
from ._messages import to_messages, to_tool_choice, to_tools
from ._options import CallSettings, check_reserved
from ._response import response_headers, to_response
from ._routing import Route

__all__ = ["build_params", "complete", "prepare", "reasoning_effort"]


def reasoning_effort(budget: int | None) -> str:
    """A ``reasoning_effort`` for a budget of thinking tokens."""
    if budget is None:
        return "medium"
    if budget <= 2048:
        return "low"
    return "medium" if budget <= 8192 else "high"


def _thinking(params: dict[str, Any], request: CompletionRequest, route: Route) -> None:
    if route.claude:
        params["thinking"] = {"type": "enabled", "budget_tokens": thinking_budget(request)}
        params.pop("temperature", None)
    else:
        params["reasoning_effort"] = reasoning_effort(request.thinking_budget)


def build_params(
    request: CompletionRequest,
    settings: CallSettings,
    route: Route,
    *,
    reasoning: bool,
    stream: bool,
) -> dict[str, Any]:
    """The keyword arguments of the ``acompletion`` call for ``request``."""
    options = settings.options
    request = prepare_prompt_cache(request, options.prompt_cache, options.prompt_cache_ttl)
    params = settings.call_kwargs()
    params.update(
        model=route.model,
        messages=to_messages(request.messages, claude=route.claude),
        max_tokens=request.max_tokens,
        timeout=request.timeout,
    )
    if route.custom_llm_provider is not None:
        params["custom_llm_provider"] = route.custom_llm_provider
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.thinking and reasoning:
        _thinking(params, request, route)
    if request.tools:
        params["tools"] = to_tools(request.tools, claude=route.claude)
        choice = to_tool_choice(request.tool_choice)
        if choice is not None:
            params["tool_choice"] = choice
    if request.stop:
        params["stop"] = list(request.stop)
    if options.prompt_cache_key is not None and not route.claude:
        params["prompt_cache_key"] = options.prompt_cache_key
    if stream:
        params["stream"] = True
        if not route.usage_recorded:  # see Route.usage_recorded and _stream
            params["stream_options"] = {"include_usage": True}
    problem = check_reserved(request.extra, "extra")
    if problem is not None:
        raise RequestValidationError(problem)
    params.update(request.extra)
    return params


async def prepare(
    client: LiteLLMClient, request: CompletionRequest, *, stream: bool
) -> tuple[Route, dict[str, Any]]:
    """The route of the request's model and the arguments of its ``acompletion`` call."""
    route = client.route(request.model)
    reasoning = request.thinking and await client.reasons(route)
    return route, build_params(request, client.settings, route, reasoning=reasoning, stream=stream)


async def complete(
    client: LiteLLMClient,
    request: CompletionRequest,
    observe: Callable[[Any], None] | None = None,
) -> LLMResponse:
    """Send one request through ``litellm.acompletion`` and read its answer; ``observe``
    gets the provider's response headers (the core learns rate limits from them)."""
    route, params = await prepare(client, request, stream=False)
    with tap_stop_reason() as tap:
        try:
            answer = await client.acompletion(route, params)
        except Exception as exc:
            error = translate_error(exc)
            if error is None:
                raise
            raise error from cause_of(exc)
    if observe is not None:
        observe(response_headers(answer))
    return to_response(answer, request, route=route, sent_finish=tap.value)
