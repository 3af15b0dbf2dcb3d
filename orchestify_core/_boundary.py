"""The attempt boundary: whatever a plugin raises during an attempt leaves it typed and
scrubbed.

One place turns anything a plugin raises while an attempt runs into an error the retry
loop understands: a :class:`ProviderError` passes through (with the provider and model
filled in), a timeout becomes :class:`APITimeoutError`, and any other exception (a body that
is not JSON, a wrong-shaped answer, impossible usage, an invalid byte in a stream, a parser
overrun) becomes :class:`MalformedResponseError`, which is retried and may fail over. The
original stays as ``__cause__``. The result and its whole chain are scrubbed of the
provider's secrets.

A connection error or timeout names the URL it could not reach, the same way for every
plugin: ``... (at http://127.0.0.1:11434/v1)``.

Only :class:`RequestValidationError` (the plugin refused the request before sending) and
other orchestify errors (a broken plugin) pass through as they are: retrying them cannot
help. Cancellation and interpreter exits are never caught.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .errors import (
    APIConnectionError,
    APITimeoutError,
    MalformedResponseError,
    OrchestifyError,
    ProviderError,
)
from .scrub import scrub, scrub_exception_chain

if TYPE_CHECKING:
    from .context import ProviderContext

__all__ = ["attempt_error", "typed_errors"]


def attempt_error(
    exc: Exception, context: ProviderContext, model: str | None, timeout: float | None
) -> OrchestifyError:
    """The typed, scrubbed error an attempt (or a batch request) that raised ``exc`` ends
    with; ``model`` is None where no one model is meant (a batch)."""
    secrets = context.secrets
    error: OrchestifyError
    if isinstance(exc, OrchestifyError):
        error = exc
    elif isinstance(exc, TimeoutError):
        error = APITimeoutError(
            f"provider {context.provider_id!r} gave no complete answer within {timeout}s"
        )
        error.__cause__ = exc
    else:
        detail = scrub(str(exc), secrets)[:300]
        error = MalformedResponseError(
            f"provider {context.provider_id!r} sent an answer its plugin could not read: "
            f"{type(exc).__name__}: {detail}"
        )
        error.__cause__ = exc
    if isinstance(error, APIConnectionError):
        _name_endpoint(error, context)
    if isinstance(error, ProviderError):
        if error.provider_id is None:
            error.provider_id = context.provider_id
        if error.model is None:
            error.model = model
    scrub_exception_chain(error, secrets)
    return error


@contextlib.contextmanager
def typed_errors(context: ProviderContext, timeout: float | None = None) -> Iterator[None]:
    """Whatever the block raises leaves it as :func:`attempt_error` makes it: typed, scrubbed,
    naming the provider (and the endpoint, for a connection error). For a plugin's hooks
    that are no attempt of a call: batches."""
    try:
        yield
    except Exception as exc:
        error = attempt_error(exc, context, None, timeout)
        if error is exc:
            raise
        raise error from exc


def endpoint_of(context: ProviderContext) -> str | None:
    """The URL the provider's requests go to: its client's ``base_url`` (the SDK's default
    when the config sets none), else the config's ``base_url``."""
    url = getattr(context.client, "base_url", None) or context.config.base_url
    return str(url).rstrip("/") if url else None


def _name_endpoint(error: APIConnectionError, context: ProviderContext) -> None:
    """Every plugin's connection errors and timeouts end alike: ``... (at <url>)``."""
    url = endpoint_of(context)
    if url is None or url in error.message:
        return
    error.message = f"{error.message} (at {url})"
    error.args = (error.message, *error.args[1:])
