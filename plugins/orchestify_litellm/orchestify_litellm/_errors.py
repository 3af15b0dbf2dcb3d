"""LiteLLM's exceptions -> orchestify's errors.

LiteLLM raises its own classes (``litellm.exceptions``: ``RateLimitError``,
``AuthenticationError``, ``BadRequestError``, ``ContextWindowExceededError``, ``Timeout``,
``APIConnectionError``, ...), with the backend's exception chained below. What it says is
not always what happened, so the mapping looks at the whole chain:

- ``MidStreamFallbackError`` (a stream that failed) stands for its ``original_exception``.
- A timeout anywhere in the chain (``litellm.Timeout``, httpx/openai/aiohttp timeouts) ->
  :class:`APITimeoutError`.
- A transport failure anywhere in the chain (refused, reset, dropped: httpx's
  ``TransportError``, aiohttp's ``ClientConnectionError``, openai's ``APIConnectionError``,
  ``ConnectionError``) or ``litellm.APIConnectionError`` -> :class:`APIConnectionError`.
  LiteLLM reports some of these as a 500 ``InternalServerError``.
- Otherwise the HTTP status: the backend's own (``provider_status_code``: Anthropic's 529
  is a 500 to LiteLLM) or LiteLLM's ``status_code``, through :func:`error_for_status`,
  with ``retry_after`` and ``should_retry`` from the response headers LiteLLM keeps
  (``litellm_response_headers``). Anthropic's "overloaded" error inside a stream, which
  LiteLLM reports as a 500, is an :class:`OverloadedError`.
- A 3xx status (a redirect, which the plugin's clients never follow: see ``_http``) ->
  :class:`RedirectError`, naming the status and not retried.
- An exception that is not LiteLLM's (a JSON decode, attribute, type or key error on a
  wrong-shaped answer) is left alone: the core makes it a retryable
  ``MalformedResponseError``.
- Any other LiteLLM exception -> :class:`ProviderError`.

The message is LiteLLM's; the LiteLLM exception is the ``__cause__``. The core scrubs the
error and its whole chain of the provider's secrets (its key, and the credentials LiteLLM
may read from the environment: see ``_client.create_client``). It scrubs text, and LiteLLM
builds the backend's exception of a failed stream with the raw error body as *bytes*
(``AnthropicError(message=b'{...}')``), which the traceback prints: those bytes are decoded
to text first (:func:`_as_text`), so the core's scrub reaches them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping

from orchestify_core.plugin import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    OverloadedError,
    ProviderError,
    api_error,
    error_for_status,
)

__all__ = ["RedirectError", "cause_of", "translate_error"]

_MAX_MESSAGE = 2000
_SDK_MODULES = frozenset({"litellm", "openai", "httpx", "aiohttp"})

# (module, class) pairs, looked up only if their module is already imported: an exception
# of a class whose module was never imported cannot be in the chain.
_TIMEOUTS = (
    ("litellm.exceptions", "Timeout"),
    ("openai", "APITimeoutError"),
    ("httpx", "TimeoutException"),
    ("aiohttp", "ServerTimeoutError"),
    ("builtins", "TimeoutError"),
)
_TRANSPORT = (
    ("litellm.exceptions", "APIConnectionError"),
    ("openai", "APIConnectionError"),
    ("httpx", "TransportError"),
    ("aiohttp", "ClientConnectionError"),
    ("aiohttp", "ClientPayloadError"),
    ("builtins", "ConnectionError"),
)


class RedirectError(APIError):
    """The server answered with a redirect (3xx), which is never followed: the request and
    its key are not sent to the ``Location``. Not retried."""


def _classes(names: Iterable[tuple[str, str]]) -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name, class_name in names:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        original = getattr(current, "original_exception", None)
        if isinstance(original, BaseException) and id(original) not in seen:
            current = original
        else:
            current = current.__cause__ or current.__context__


def _every_link(exc: BaseException) -> Iterator[BaseException]:
    """Every exception reachable from ``exc`` (causes, contexts, LiteLLM's originals)."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        original = getattr(current, "original_exception", None)
        for link in (current.__cause__, current.__context__, original):
            if isinstance(link, BaseException):
                pending.append(link)


def _decoded(value: object) -> object:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def _as_text(chain: Iterable[BaseException]) -> None:
    """Turn the bytes LiteLLM put in exceptions' ``args`` / ``message`` / ``text`` into
    text, in place (see the module docstring)."""
    for link in chain:
        try:
            if any(isinstance(arg, bytes | bytearray) for arg in link.args):
                link.args = tuple(_decoded(arg) for arg in link.args)
            for name in ("message", "text"):
                value = vars(link).get(name)
                if isinstance(value, bytes | bytearray):
                    setattr(link, name, _decoded(value))
        except (AttributeError, TypeError):  # a read-only attribute: leave that one
            continue


def _status(exc: BaseException) -> int | None:
    for name in ("provider_status_code", "status_code"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 300:
            return value
    return None


def _redirect_status(chain: Iterable[BaseException]) -> int | None:
    """The 3xx status of a redirect answer anywhere in the chain (LiteLLM may report it as
    a 500 whose cause is httpx's or the SDK's status error)."""
    for link in chain:
        status = _status(link)
        if status is None:
            status = getattr(getattr(link, "response", None), "status_code", None)
        if isinstance(status, int) and 300 <= status < 400:
            return status
    return None


def _from_sdk(chain: list[BaseException]) -> bool:
    """Whether LiteLLM (or an HTTP library below it) raised: else the failure is a bug met
    reading a wrong-shaped answer, which the core types as a malformed answer."""
    return any(type(link).__module__.split(".")[0] in _SDK_MODULES for link in chain)


def _headers(exc: BaseException) -> Mapping[str, str]:
    for candidate in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
        getattr(exc, "headers", None),
    ):
        if candidate:
            try:
                return {str(k): str(v) for k, v in dict(candidate).items()}
            except (TypeError, ValueError):
                continue
    return {}


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE] + "..."
    return f"LiteLLM {type(exc).__name__}: {text}"


def _overloaded(exc: BaseException) -> bool:
    if getattr(exc, "llm_provider", None) != "anthropic":
        return False
    return "overloaded" in str(exc).lower()


def cause_of(exc: BaseException) -> BaseException:
    """The exception that stands for the failure: a ``MidStreamFallbackError``'s
    ``original_exception`` (whose text the wrapper repeats, out of the core's reach: it is
    no ``__cause__``), else ``exc``. The translated error is raised from it."""
    if type(exc).__name__ == "MidStreamFallbackError":
        original = getattr(exc, "original_exception", None)
        if isinstance(original, BaseException):
            return original
    return exc


def translate_error(exc: BaseException) -> ProviderError | None:
    """The core error for an exception LiteLLM raised (the caller raises it ``from
    cause_of(exc)``); None for an exception that is not LiteLLM's, to be raised as it
    is."""
    if isinstance(exc, ProviderError):
        return None
    _as_text(_every_link(exc))
    subject = cause_of(exc)
    chain = list(_chain(subject))
    message = _message(subject)
    if any(isinstance(link, _classes(_TIMEOUTS)) for link in chain):
        return APITimeoutError(message)
    redirect = _redirect_status(chain)
    if redirect is not None:
        return RedirectError(
            f"the server answered {redirect} (a redirect), which is not followed: the "
            f"request and its key are sent to no other location. {message}",
            status_code=redirect,
            should_retry=False,
        )
    if any(isinstance(link, _classes(_TRANSPORT)) for link in chain):
        return APIConnectionError(message)
    if not _from_sdk(chain):
        return None
    return _status_error(subject, message)


def _status_error(exc: BaseException, message: str) -> ProviderError:
    """The error of a LiteLLM exception by its HTTP status (ProviderError without one)."""
    status = _status(exc)
    overloaded = _overloaded(exc)
    if status is None:
        if overloaded:
            return OverloadedError(message, error_type="overloaded_error")
        return ProviderError(message)
    error_type = getattr(exc, "type", None)
    error_class = error_for_status(status)
    if status in (500, 503) and overloaded:
        error_class, status, error_type = OverloadedError, 529, "overloaded_error"
    return api_error(
        error_class,
        message,
        status_code=status,
        headers=_headers(exc),
        error_type=error_type if isinstance(error_type, str) else None,
    )
