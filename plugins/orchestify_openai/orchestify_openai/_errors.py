"""openai SDK exceptions -> orchestify's errors.

- ``APIStatusError`` -> the class of its status (:func:`error_for_status`), with the
  provider's error type or code, ``retry_after`` from ``retry-after-ms`` / ``retry-after``
  and ``should_retry`` from ``x-should-retry``.
- ``APITimeoutError`` -> :class:`APITimeoutError`; ``APIConnectionError`` (refused,
  reset, or dropped mid-stream) -> :class:`APIConnectionError`.
- An error sent inside a stream (the SDK raises a plain ``APIError`` with the error
  payload as its body) -> :class:`APIError` without a status, with the payload's type.

Messages are built from the status and the error payload's own message, never from request
headers, and anything that looks like an API key is masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orchestify_core.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ProviderError,
    error_for_status,
)
from orchestify_core.retry import retry_after_from_headers

if TYPE_CHECKING:
    import openai

__all__ = ["redact", "translate"]

_KEY_LIKE = re.compile(r"\b(sk|sess|rk)-[A-Za-z0-9_\-*]{8,}")
_MASK = "**********"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secrets, and anything shaped like an OpenAI key, masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return _KEY_LIKE.sub(lambda m: f"{m.group(1)}-{_MASK}", text)


def translate(exc: BaseException, *, secrets: Iterable[str] = ()) -> ProviderError | None:
    """The core error for an SDK exception, or None when ``exc`` is not one.

    The caller raises the result ``from exc``.
    """
    import openai

    if not isinstance(exc, openai.OpenAIError):
        return None
    secrets = tuple(secrets)
    if isinstance(exc, openai.APITimeoutError):
        return APITimeoutError("the OpenAI API did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return APIConnectionError(redact(_connection_message(exc), secrets))
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc, secrets)
    if isinstance(exc, openai.APIError):
        error_type = exc.type or exc.code
        message = _payload_message(exc.body) or exc.message
        return APIError(
            redact(
                f"the OpenAI API reported an error in the stream ({error_type}): {message}", secrets
            ),
            error_type=error_type,
        )
    return ProviderError(redact(f"openai: {type(exc).__name__}: {exc}", secrets))


def _connection_message(exc: openai.APIConnectionError) -> str:
    cause = exc.__cause__
    detail = f": {type(cause).__name__}: {cause}" if cause is not None and str(cause) else ""
    if cause is not None and not detail:
        detail = f": {type(cause).__name__}"
    return f"could not talk to the OpenAI API{detail}"


def _payload_message(body: object) -> str | None:
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return None


def _should_retry(value: str | None) -> bool | None:
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _status_error(exc: openai.APIStatusError, secrets: tuple[str, ...]) -> APIError:
    status = exc.status_code
    headers: Any = exc.response.headers
    error_type = exc.type or exc.code
    code = f" {exc.code}" if exc.code and exc.code != error_type else ""
    message = _payload_message(exc.body) or exc.response.reason_phrase or "error"
    request_id = f" (request id {exc.request_id})" if exc.request_id else ""
    kind = f" ({error_type}{code})" if error_type else ""
    return error_for_status(status)(
        redact(f"OpenAI API error {status}{kind}: {message}{request_id}", secrets),
        status_code=status,
        error_type=error_type,
        should_retry=_should_retry(headers.get("x-should-retry")),
        retry_after=retry_after_from_headers(headers),
    )
