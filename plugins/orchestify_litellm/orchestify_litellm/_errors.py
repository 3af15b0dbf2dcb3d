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
  wrong-shaped answer, raised by LiteLLM's parsing or the plugin's) ->
  :class:`MalformedResponseError`, retryable: the server misbehaved.
- Anything else -> :class:`ProviderError`.

The message is LiteLLM's, with the key (and anything shaped like one) masked: LiteLLM's
messages may echo request details. The cause (``__cause__``) is LiteLLM's exception,
unless the key shows anywhere in its formatted chain: then it is a :class:`ScrubbedCause`
carrying the same text with the key masked (see :func:`safe_cause`).
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from orchestify_core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    OverloadedError,
    ProviderError,
    error_for_status,
)
from orchestify_core.retry import retry_after_from_headers

__all__ = [
    "MalformedResponseError",
    "RedirectError",
    "ScrubbedCause",
    "malformed",
    "redact",
    "safe_cause",
    "translate",
]

_MASK = "**********"
_KEY_LIKE = re.compile(r"\b(sk|sess|rk|sk-ant)-[A-Za-z0-9_\-*]{8,}")
_MAX_MESSAGE = 2000

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


class MalformedResponseError(APIError):
    """The server's answer could not be read as one (not JSON, the wrong shape, a stream
    that was no stream, impossible usage). Retried: the server misbehaved."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_type", "malformed_response")
        kwargs.setdefault("should_retry", True)
        super().__init__(message, **kwargs)


class ScrubbedCause(Exception):
    """Stands for an exception whose text showed the key: its chain, with the key masked."""


def malformed(message: str) -> MalformedResponseError:
    """A :class:`MalformedResponseError` saying what was wrong with the answer."""
    return MalformedResponseError(f"malformed answer from the server: {message}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets, and anything shaped like an API key, masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return _KEY_LIKE.sub(lambda m: f"{m.group(1)}-{_MASK}", text)


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


def _is_mid_stream(exc: BaseException) -> bool:
    return type(exc).__name__ == "MidStreamFallbackError"


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


def _foreign(chain: list[BaseException]) -> bool:
    """Whether the failure is not one of LiteLLM's (nor an HTTP library's) errors: a bug
    met while reading a wrong-shaped answer."""
    return not any(
        type(link).__module__.split(".")[0] in ("litellm", "openai", "httpx", "aiohttp")
        for link in chain
    )


def safe_cause(exc: BaseException, secrets: Iterable[str] = ()) -> BaseException:
    """``exc``, or a :class:`ScrubbedCause` with its formatted chain masked if that chain
    shows a secret or anything shaped like a key; to raise the translated error from."""
    keys = tuple(s for s in secrets if s)
    try:
        text = "".join(traceback.format_exception(exc))
    except Exception:  # pragma: no cover - formatting a foreign exception failed
        text = f"{type(exc).__name__}"
    cleaned = redact(text, keys)
    if cleaned == text:
        return exc
    return ScrubbedCause(cleaned)


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


def _should_retry(headers: Mapping[str, str]) -> bool | None:
    value = {k.lower(): v for k, v in headers.items()}.get("x-should-retry")
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _message(exc: BaseException, secrets: tuple[str, ...]) -> str:
    text = str(exc) or type(exc).__name__
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE] + "..."
    return redact(f"LiteLLM {type(exc).__name__}: {text}", secrets)


def _overloaded(exc: BaseException) -> bool:
    if getattr(exc, "llm_provider", None) != "anthropic":
        return False
    text = str(exc).lower()
    return "overloaded" in text


def translate(exc: BaseException, *, secrets: Iterable[str] = ()) -> ProviderError:
    """The core error for an exception litellm raised; the caller raises it ``from exc``."""
    keys = tuple(s for s in secrets if s)
    subject: BaseException = exc
    if _is_mid_stream(exc):
        original = getattr(exc, "original_exception", None)
        if isinstance(original, BaseException):
            subject = original
    chain = list(_chain(subject))
    message = _message(subject, keys)
    timeouts, transport = _classes(_TIMEOUTS), _classes(_TRANSPORT)
    if any(isinstance(link, timeouts) for link in chain):
        return APITimeoutError(message)
    redirect = _redirect_status(chain)
    if redirect is not None:
        return RedirectError(
            f"the server answered {redirect} (a redirect), which is not followed: the "
            f"request and its key are sent to no other location. {message}",
            status_code=redirect,
            should_retry=False,
        )
    if any(isinstance(link, transport) for link in chain):
        return APIConnectionError(message)
    if _foreign(chain):
        return MalformedResponseError(f"malformed answer from the server: {message}")
    status = _status(subject)
    if status is None:
        if _overloaded(subject):
            return OverloadedError(message, error_type="overloaded_error")
        return ProviderError(message)
    headers = _headers(subject)
    error_class: type[APIError] = error_for_status(status)
    error_type: Any = getattr(subject, "type", None)
    if status in (500, 503) and _overloaded(subject):
        error_class, status, error_type = OverloadedError, 529, "overloaded_error"
    return error_class(
        message,
        status_code=status,
        error_type=error_type if isinstance(error_type, str) else None,
        should_retry=_should_retry(headers),
        retry_after=retry_after_from_headers(headers),
    )
