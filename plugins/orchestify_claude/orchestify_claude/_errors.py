"""anthropic SDK exceptions -> orchestify_core.errors.

- An HTTP error status becomes the class ``error_for_status`` names (400 BadRequestError,
  401 AuthenticationError, 429 RateLimitError, 5xx InternalServerError, 529
  OverloadedError...), with the body's ``error.type``, the ``retry-after-ms`` /
  ``retry-after`` wait and the ``x-should-retry`` verdict.
- An ``event: error`` inside a stream (the SDK raises it as a status error of the stream's
  200 response) becomes OverloadedError for ``overloaded_error``, else an APIError without
  a status; both keep the error type, from which the core decides whether to retry.
- Timeouts become APITimeoutError, every other transport failure (refused connection,
  connection dropped mid-stream) APIConnectionError.
- Missing credentials become AuthenticationError.

Messages are built from the status, the error type, the API's own message and the request
id; the API key is scrubbed from them should it ever appear. The SDK exception is kept as
``__cause__`` by the caller (``raise translated from exc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from orchestify_core import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    OverloadedError,
    ProviderError,
)
from orchestify_core.errors import error_for_status
from orchestify_core.retry import retry_after_from_headers

if TYPE_CHECKING:
    import anthropic

__all__ = ["translate_error"]

_REDACTED = "[redacted]"
_NO_CREDENTIALS = "Could not resolve authentication method"


def _scrub(text: str, secret: str | None) -> str:
    if secret and secret in text:
        return text.replace(secret, _REDACTED)
    return text


def _should_retry(headers: Mapping[str, str]) -> bool | None:
    value = headers.get("x-should-retry")
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _describe(
    prefix: str, error_type: str | None, detail: str | None, request_id: str | None
) -> str:
    text = prefix
    if error_type:
        text += f" ({error_type})"
    if detail:
        text += f": {detail}"
    if request_id:
        text += f" [request id {request_id}]"
    return text


def _status_error(exc: anthropic.APIStatusError, secret: str | None) -> ProviderError:
    error_type = exc.type if isinstance(exc.type, str) else None
    detail = exc.api_message or None
    if exc.status_code < 400:  # an error event inside the stream of a 200 response
        message = _describe("Anthropic stream error", error_type, detail, exc.request_id)
        cls = OverloadedError if error_type == "overloaded_error" else APIError
        return cls(_scrub(message, secret), error_type=error_type)
    headers = exc.response.headers
    message = _describe(
        f"Anthropic API error {exc.status_code}", error_type, detail, exc.request_id
    )
    return error_for_status(exc.status_code)(
        _scrub(message, secret),
        status_code=exc.status_code,
        error_type=error_type,
        should_retry=_should_retry(headers),
        retry_after=retry_after_from_headers(headers),
    )


def translate_error(exc: BaseException, secret: str | None = None) -> ProviderError | None:
    """The orchestify error for an exception the SDK raised, or None if it is not one.

    :param exc: What the SDK call or stream raised.
    :param secret: The API key, scrubbed from messages should it ever appear in one.
    """
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc, secret)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return APITimeoutError(
            _scrub(f"Anthropic request timed out ({type(exc).__name__})", secret)
        )
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ or exc
        return APIConnectionError(
            _scrub(f"connection to Anthropic failed: {type(cause).__name__}: {cause}", secret)
        )
    if isinstance(exc, anthropic.APIResponseValidationError):
        return APIError(
            _scrub(f"Anthropic sent a response the SDK could not read: {exc.message}", secret),
            status_code=exc.status_code,
        )
    if isinstance(exc, anthropic.CredentialsError) or (
        isinstance(exc, TypeError) and _NO_CREDENTIALS in str(exc)
    ):
        return AuthenticationError(
            _scrub(
                f"no usable Anthropic credentials ({type(exc).__name__}: {exc}); set the "
                "provider's api_key or ANTHROPIC_API_KEY",
                secret,
            )
        )
    if isinstance(exc, anthropic.AnthropicError):
        return APIError(_scrub(f"Anthropic SDK error: {type(exc).__name__}: {exc}", secret))
    return None
