"""Counting a request's tokens through the plugin, and the pre-flight context-window check.

- :func:`count_tokens` is ``LLMProvider.count_tokens``: the request is built exactly as
  ``complete()`` builds it, the plugin counts it (``orchestify_count_tokens``), and what
  goes wrong leaves typed and scrubbed, like a call's errors.
- :func:`fit_window` runs before a call is sent: a request whose input and ``max_tokens``
  exceed the model's context window is refused with
  :class:`~orchestify_core.errors.ContextWindowExceededError`. It costs a sum of string
  lengths on the hot path; only a request whose upper bound does not fit is counted, with
  the plugin's offline count.
- :func:`input_estimate` is the input a budget reservation holds.

An offline count is driven without an event loop (:func:`resolve_now`): the hook's
awaitable must finish without suspending, which is what "no I/O" means here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._boundary import attempt_error
from .counting import TokenCount, estimate_request_tokens, input_upper_bound
from .errors import APIConnectionError, ContextWindowExceededError
from .scrub import scrub

if TYPE_CHECKING:
    from .models import CompletionRequest
    from .provider import LLMProvider
    from .requests import CallArgs

__all__ = [
    "count_tokens",
    "estimated_count",
    "fit_window",
    "input_estimate",
    "offline_count",
    "resolve_now",
]

logger = logging.getLogger("orchestify_core.provider")
_T = TypeVar("_T")
_warned: set[str] = set()


async def estimated_count(request: CompletionRequest) -> TokenCount:
    """The core's answer: about four characters a token (``exact=False``)."""
    return TokenCount(estimate_request_tokens(request), False, "estimate", request.model)


def resolve_now(awaitable: Awaitable[_T]) -> tuple[bool, _T | None]:
    """Run ``awaitable`` to its end without an event loop: ``(True, result)``, or
    ``(False, None)`` (closed) when it suspended, i.e. waited on I/O."""
    steps = awaitable.__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        return True, done.value
    close = getattr(steps, "close", None)
    if close is not None:
        close()
    return False, None


def _checked(count: Any, provider: LLMProvider) -> TokenCount:
    if not isinstance(count, TokenCount):
        raise TypeError(f"the count is a {type(count).__name__}, not a TokenCount")
    tokens = count.input_tokens
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
        raise ValueError(f"the count's input_tokens is {tokens!r}, not a count")
    return count


def _estimate_instead(provider: LLMProvider, request: CompletionRequest, why: str) -> TokenCount:
    """The core's estimate, for a plugin whose offline count failed; logged once per
    provider type and kind of failure."""
    key = f"{provider.provider_type}: {why.partition(':')[0]}"
    if key not in _warned:
        _warned.add(key)
        logger.warning(
            "provider %s: the offline token count of plugin %r failed (%s); the core's "
            "estimate is used instead",
            provider.provider_id, provider.provider_type,
            scrub(why, provider._context.secrets)[:300],
        )  # fmt: skip
    return TokenCount(estimate_request_tokens(request), False, "estimate", request.model)


def offline_count(provider: LLMProvider, request: CompletionRequest) -> TokenCount:
    """The plugin's offline count of ``request``, synchronously; the core's estimate
    when the plugin's fails, suspends or answers nothing."""
    try:
        awaitable = provider._hooks.orchestify_count_tokens(
            provider=provider._context, request=request, offline=True
        )
        if awaitable is None:
            return TokenCount(estimate_request_tokens(request), False, "estimate", request.model)
        finished, count = resolve_now(awaitable)
        if not finished:
            return _estimate_instead(provider, request, "it suspended: offline counts do no I/O")
        return _checked(count, provider)
    except Exception as exc:
        return _estimate_instead(provider, request, f"{type(exc).__name__}: {exc}")


def fit_window(provider: LLMProvider, request: CompletionRequest) -> CompletionRequest:
    """``request``, checked against the model's context window before it is sent.

    Input plus ``max_tokens`` must fit; equal to the window fits. A ``max_tokens`` the
    caller did not set (the config's default) is lowered to what the window leaves, as a
    default above the model's output limit is capped; one the caller set is refused with
    :class:`ContextWindowExceededError`. Only a known model's declared window counts. The
    cheap upper bound is tried first; the plugin's offline count only when it does not fit.
    """
    caps = provider.capabilities(request.model)
    window = caps.context_window
    if window is None or not caps.known:
        return request
    room = window - request.max_tokens
    if input_upper_bound(request) <= room:
        return request
    count = offline_count(provider, request)
    if count.input_tokens <= room:
        return request
    left = window - count.input_tokens
    if left >= 1 and not request.is_given("max_tokens"):
        return attrs.evolve(request, max_tokens=left)
    raise ContextWindowExceededError(
        input_tokens=count.input_tokens,
        max_tokens=request.max_tokens,
        context_window=window,
        model=request.model,
        provider_id=provider.provider_id,
        exact=count.exact,
        method=count.method,
    )


def input_estimate(provider: LLMProvider, request: CompletionRequest) -> int:
    """The input tokens a budget holds for ``request``: the plugin's offline count."""
    return offline_count(provider, request).input_tokens


async def count_tokens(provider: LLMProvider, args: CallArgs, offline: bool) -> TokenCount:
    """``LLMProvider.count_tokens``: build the request like ``complete()``, let the plugin
    count it; errors typed and scrubbed like an attempt's."""
    context = provider._context
    if context.closed:
        raise APIConnectionError(
            f"provider {provider.provider_id!r} is closed (aclose() was called); build a new one"
        )
    request = provider._build_request(args, None)
    try:
        awaitable = provider._hooks.orchestify_count_tokens(
            provider=context, request=request, offline=offline
        )
        if awaitable is None:
            return await estimated_count(request)
        async with asyncio.timeout(request.timeout):
            return _checked(await awaitable, provider)
    except Exception as exc:
        error = attempt_error(exc, context, request.model, request.timeout)
        raise error  # noqa: B904 (its cause is set, or it is ``exc`` itself)
