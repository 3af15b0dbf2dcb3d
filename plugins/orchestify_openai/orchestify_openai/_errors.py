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

__all__ = ["status_error_from_body", "translate_error"]


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
    message = _payload_message(exc.body) or exc.response.reason_phrase or "error"
    return api_error(
        error_for_status(status),
        _status_message(status, error_type, exc.code, message, exc.request_id),
        status_code=status,
        headers=exc.response.headers,
        error_type=error_type,
    )


def _status_message(
    status: int, error_type: str | None, code: str | None, message: str, request_id: str | None
) -> str:
    code_part = f" {code}" if code and code != error_type else ""
    kind = f" ({error_type}{code_part})" if error_type else ""
    request_part = f" (request id {request_id})" if request_id else ""
    return f"OpenAI API error {status}{kind}: {message}{request_part}"


def status_error_from_body(status: int, body: object, request_id: str | None) -> APIError:
    """The error of an answer's status and decoded error body, read without the SDK (a
    batch's result line holds both): the same class and message as :func:`translate_error`
    gives the SDK's exception for that answer."""
    payload = body.get("error") if isinstance(body, dict) else None
    error = payload if isinstance(payload, dict) else {}
    error_type = _text(error.get("type"))
    code = _text(error.get("code"))
    message = _payload_message(error) or "error"
    return api_error(
        error_for_status(status),
        _status_message(status, error_type or code, code, message, request_id),
        status_code=status,
        error_type=error_type or code,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
