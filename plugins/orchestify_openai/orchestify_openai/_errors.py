"""openai SDK exceptions -> orchestify's errors.

- ``APIStatusError`` -> the class of its status (:func:`error_for_status`), with the
  provider's error type or code and the retry hints of its headers (``x-should-retry``,
  ``retry-after-ms``, ``retry-after``), read by the core's :func:`api_error`.
- ``APITimeoutError`` -> :class:`APITimeoutError`; ``APIConnectionError`` (refused,
  reset, or dropped mid-stream) -> :class:`APIConnectionError`.
- ``APIResponseValidationError`` (a 200 the SDK could not read) ->
  :class:`MalformedResponseError`.
- An error sent inside a stream (the SDK raises a plain ``APIError`` with the error
  payload as its body) -> :class:`APIError` without a status, with the payload's type.

Messages are built from the status and the error payload's own message, never from request
headers. The core scrubs every error, and its whole chain, of the provider's secrets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestify_core.plugin import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MalformedResponseError,
    ProviderError,
    api_error,
    error_for_status,
)

if TYPE_CHECKING:
    import openai

__all__ = ["translate_error"]


def translate_error(exc: openai.OpenAIError) -> ProviderError:
    """The core error for an SDK exception; the caller raises it ``from exc``."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return APITimeoutError("the OpenAI API did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return APIConnectionError(_connection_message(exc))
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, openai.APIResponseValidationError):
        return MalformedResponseError(f"the OpenAI API sent an answer of the wrong shape: {exc}")
    if isinstance(exc, openai.APIError):
        error_type = exc.type or exc.code
        message = _payload_message(exc.body) or exc.message
        return APIError(
            f"the OpenAI API reported an error in the stream ({error_type}): {message}",
            error_type=error_type,
        )
    return ProviderError(f"openai: {type(exc).__name__}: {exc}")


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


def _status_error(exc: openai.APIStatusError) -> APIError:
    status = exc.status_code
    error_type = exc.type or exc.code
    code = f" {exc.code}" if exc.code and exc.code != error_type else ""
    message = _payload_message(exc.body) or exc.response.reason_phrase or "error"
    request_id = f" (request id {exc.request_id})" if exc.request_id else ""
    kind = f" ({error_type}{code})" if error_type else ""
    return api_error(
        error_for_status(status),
        f"OpenAI API error {status}{kind}: {message}{request_id}",
        status_code=status,
        headers=exc.response.headers,
        error_type=error_type,
    )
