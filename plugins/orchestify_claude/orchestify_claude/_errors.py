"""anthropic SDK exceptions -> orchestify's errors.

- An HTTP error status becomes the class ``error_for_status`` names (400 BadRequestError,
  401 AuthenticationError, 429 RateLimitError, 5xx InternalServerError, 529
  OverloadedError...), with the body's ``error.type``; ``api_error`` reads the
  ``x-should-retry`` verdict and the ``retry-after-ms`` / ``retry-after`` wait.
- An ``event: error`` inside a stream (the SDK raises it as a status error of the stream's
  200 response) becomes OverloadedError for ``overloaded_error``, else an APIError without
  a status; both keep the error type, from which the core decides whether to retry.
- Timeouts become APITimeoutError, every other transport failure (refused connection,
  connection dropped mid-stream) APIConnectionError.
- A 200 whose body the SDK could not read becomes MalformedResponseError (retried).
- Missing credentials become AuthenticationError.

Messages are built from the status, the error type, the API's own message and the request
id. The caller keeps the SDK exception as ``__cause__`` (``raise translated from exc``);
the core scrubs the key from the whole chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from orchestify_core.plugin import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    MalformedResponseError,
    OverloadedError,
    ProviderError,
    api_error,
    error_for_status,
)

if TYPE_CHECKING:
    import anthropic

__all__ = ["raise_translated", "translate_error"]

_NO_CREDENTIALS = "Could not resolve authentication method"


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


def _status_error(exc: anthropic.APIStatusError) -> APIError:
    error_type = exc.type if isinstance(exc.type, str) else None
    detail = exc.api_message or None
    if exc.status_code < 400:  # an error event inside the stream of a 200 response
        message = _describe("Anthropic stream error", error_type, detail, exc.request_id)
        cls = OverloadedError if error_type == "overloaded_error" else APIError
        return api_error(cls, message, status_code=None, error_type=error_type)
    message = _describe(
        f"Anthropic API error {exc.status_code}", error_type, detail, exc.request_id
    )
    return api_error(
        error_for_status(exc.status_code),
        message,
        status_code=exc.status_code,
        headers=exc.response.headers,
        error_type=error_type,
    )


def translate_error(exc: BaseException) -> ProviderError | None:
    """The orchestify error for an exception the SDK raised, or None if it is not one
    (the core then types it as a MalformedResponseError)."""
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
        return APITimeoutError(f"Anthropic request timed out ({type(exc).__name__})")
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ or exc
        return APIConnectionError(
            f"connection to Anthropic failed: {type(cause).__name__}: {cause}"
        )
    if isinstance(exc, anthropic.APIResponseValidationError):
        return MalformedResponseError(
            f"Anthropic sent a response the SDK could not read: {exc.message}",
            status_code=exc.status_code,
        )
    if isinstance(exc, anthropic.CredentialsError) or (
        isinstance(exc, TypeError) and _NO_CREDENTIALS in str(exc)
    ):
        return AuthenticationError(
            f"no usable Anthropic credentials ({type(exc).__name__}: {exc}); set the "
            "provider's api_key or ANTHROPIC_API_KEY"
        )
    if isinstance(exc, anthropic.AnthropicError):
        return APIError(f"Anthropic SDK error: {type(exc).__name__}: {exc}")
    return None


def raise_translated(exc: Exception) -> NoReturn:
    """Raise the orchestify error for ``exc`` (caused by it), or ``exc`` itself."""
    translated = translate_error(exc)
    if translated is None:
        raise exc
    raise translated from exc
