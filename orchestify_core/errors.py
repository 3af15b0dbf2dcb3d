"""The orchestify exception tree.

Every error the layer raises derives from :class:`OrchestifyError`, so an engine can catch
one base class. Provider plugins translate their SDK's exceptions into the
:class:`ProviderError` branch, keep the original as ``__cause__``, and never put an API key
in a message.

::

    OrchestifyError
    ├── ConfigError (ValueError)              bad YAML, wrong types, unknown keys, undefined ${VAR}
    ├── PluginError
    │   ├── PluginLoadError                   a plugin failed to import or declares wrong hooks
    │   ├── DuplicatePluginError              two distributions claim one provider type
    │   └── UnknownProviderTypeError          no installed plugin provides the type
    ├── ProviderNotFoundError (KeyError)      unknown provider id in a registry
    ├── AgentNotFoundError (KeyError)         unknown agent id
    ├── RequestValidationError (ValueError)   a request the model cannot take, caught before sending
    │   ├── UnsupportedCapabilityError        tools / images / thinking to a model without them
    │   ├── ContextWindowExceededError        input + max_tokens over the model's context window
    │   └── BatchNotSupportedError            a batch to a provider whose plugin has no batch API
    ├── BudgetExceededError                   a budget refused a call before it was sent
    ├── LedgerUnavailableError                the ledger's store is down and calls are refused
    └── ProviderError                         a call to a provider failed
        ├── APIConnectionError                the provider could not be reached
        │   └── APITimeoutError               no complete answer in time
        ├── APIError                          the provider answered with an error (status_code)
        │   ├── BadRequestError                   400, 413, 422
        │   ├── AuthenticationError               401
        │   ├── PermissionDeniedError             403
        │   ├── NotFoundError                     404
        │   ├── RateLimitError                    429 (retry_after)
        │   ├── InternalServerError               5xx
        │   ├── OverloadedError                   529, or an "overloaded" error mid-stream
        │   └── MalformedResponseError            an answer that is not valid (bad JSON, usage...)
        ├── StreamInterruptedError            a stream failed after text was delivered
        ├── CircuitOpenError                  the provider's circuit breaker is open
        └── AllProvidersFailedError           every provider of a failover chain failed
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AgentNotFoundError",
    "AllProvidersFailedError",
    "AuthenticationError",
    "BadRequestError",
    "BatchNotSupportedError",
    "BudgetExceededError",
    "CircuitOpenError",
    "ConfigError",
    "ContextWindowExceededError",
    "DuplicatePluginError",
    "InternalServerError",
    "LedgerUnavailableError",
    "MalformedResponseError",
    "NotFoundError",
    "OrchestifyError",
    "OverloadedError",
    "PermissionDeniedError",
    "PluginError",
    "PluginLoadError",
    "ProviderError",
    "ProviderNotFoundError",
    "RateLimitError",
    "RequestValidationError",
    "StreamInterruptedError",
    "UnknownProviderTypeError",
    "UnsupportedCapabilityError",
    "error_for_status",
]


class OrchestifyError(Exception):
    """Base class of every error raised by orchestify."""


class ConfigError(OrchestifyError, ValueError):
    """The configuration is invalid.

    Attributes:
        file: The YAML file the problem is in, if known.
        line: The 1-based line of the offending key or value, if known.
        path: The key path, like ``providers.claude_main.max_tokens``.
        reason: What is wrong, without the location.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.path = path
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        elif self.line is not None:
            where = f"line {self.line}"
        subject = f"{self.path}: {self.reason}" if self.path else self.reason
        return f"{where}: {subject}" if where else subject


class PluginError(OrchestifyError):
    """A provider plugin could not be found or used."""


class PluginLoadError(PluginError):
    """A plugin's entry point failed to load or registers invalid hooks.

    Attributes:
        provider_type: The provider type (entry-point name).
        distribution: The distribution that ships the plugin.
        version: That distribution's version.
    """

    def __init__(self, provider_type: str, distribution: str, version: str, cause: str) -> None:
        self.provider_type = provider_type
        self.distribution = distribution
        self.version = version
        super().__init__(
            f"provider plugin {provider_type!r} from {distribution} {version} "
            f"failed to load: {cause}"
        )


class DuplicatePluginError(PluginError):
    """Two installed distributions register the same provider type."""

    def __init__(self, provider_type: str, distributions: Iterable[str]) -> None:
        self.provider_type = provider_type
        self.distributions = sorted(distributions)
        super().__init__(
            f"provider type {provider_type!r} is registered by more than one distribution: "
            f"{', '.join(self.distributions)}; uninstall one of them"
        )


class UnknownProviderTypeError(PluginError, KeyError):
    """No installed (and allowed) plugin provides the requested provider type."""

    def __init__(self, provider_type: str, installed: Iterable[str], hint: str = "") -> None:
        self.provider_type = provider_type
        self.installed = sorted(installed)
        listing = ", ".join(self.installed) or "none"
        message = f"unknown provider type {provider_type!r} (installed types: {listing})"
        if hint:
            message += f"; {hint}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


class ProviderNotFoundError(OrchestifyError, KeyError):
    """The registry has no provider with the requested id."""

    def __init__(self, provider_id: str, available: Iterable[str]) -> None:
        self.provider_id = provider_id
        self.available = sorted(available)
        listing = ", ".join(self.available) or "none"
        self.message = f"unknown provider {provider_id!r} (configured providers: {listing})"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class AgentNotFoundError(OrchestifyError, KeyError):
    """No agent with the requested id is configured."""

    def __init__(self, agent_id: str, available: Iterable[str]) -> None:
        self.agent_id = agent_id
        self.available = sorted(available)
        listing = ", ".join(self.available) or "none"
        self.message = f"unknown agent {agent_id!r} (configured agents: {listing})"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class RequestValidationError(OrchestifyError, ValueError):
    """A request is malformed; it was rejected before any network call."""


class UnsupportedCapabilityError(RequestValidationError):
    """A request needs a capability (tools, images, thinking) the model does not have."""

    def __init__(self, capability: str, model: str, provider_id: str) -> None:
        self.capability = capability
        self.model = model
        self.provider_id = provider_id
        super().__init__(
            f"model {model!r} of provider {provider_id!r} does not support {capability}"
        )


class BatchNotSupportedError(RequestValidationError):
    """A batch was asked of a provider whose plugin has no batch API (nothing was sent).

    Attributes:
        provider_id: The provider asked.
        provider_type: Its plugin type.
    """

    def __init__(self, provider_id: str, provider_type: str, reason: str = "") -> None:
        self.provider_id = provider_id
        self.provider_type = provider_type
        why = reason or f"the {provider_type!r} plugin does not implement batches"
        super().__init__(f"provider {provider_id!r} has no batch API: {why}")


class ContextWindowExceededError(RequestValidationError):
    """A request's input and ``max_tokens`` together exceed the model's context window; it
    was refused before anything was sent.

    Attributes:
        input_tokens: The input as counted (or estimated: see ``exact`` and ``method``).
        max_tokens: The request's output limit.
        context_window: The model's context window.
        model: The model.
        provider_id: The provider.
        exact: Whether ``input_tokens`` is an exact count.
        method: How it was counted (``tiktoken``, ``litellm``, ``estimate``...).
    """

    def __init__(
        self,
        *,
        input_tokens: int,
        max_tokens: int,
        context_window: int,
        model: str,
        provider_id: str,
        exact: bool,
        method: str,
    ) -> None:
        self.input_tokens = input_tokens
        self.max_tokens = max_tokens
        self.context_window = context_window
        self.model = model
        self.provider_id = provider_id
        self.exact = exact
        self.method = method
        counted = "counted" if exact else "estimated"
        super().__init__(
            f"provider {provider_id!r}: the request does not fit model {model!r}'s context "
            f"window: {input_tokens} input tokens ({counted}, {method}) + max_tokens "
            f"{max_tokens} = {input_tokens + max_tokens} > {context_window}; nothing was "
            "sent (shorten the messages or lower max_tokens)"
        )


class ProviderError(OrchestifyError):
    """A call to a provider failed.

    Attributes:
        provider_id: The registry id of the provider that failed, when known.
        model: The model that was asked, when known.
    """

    provider_id: str | None = None
    model: str | None = None

    def __init__(
        self, message: str, *, provider_id: str | None = None, model: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider_id = provider_id
        self.model = model


class APIConnectionError(ProviderError):
    """The provider could not be reached, or the connection broke."""


class APITimeoutError(APIConnectionError):
    """The provider gave no complete answer within the timeout."""


class APIError(ProviderError):
    """The provider answered with an error.

    Attributes:
        status_code: The HTTP status, or None for an error reported inside a stream.
        error_type: The provider's own error type string, when it gave one.
        should_retry: The provider's ``x-should-retry`` verdict, when it gave one.
        retry_after: Seconds the provider asked to wait (``retry-after-ms`` /
            ``retry-after``), when it said.
    """

    #: The status assumed when none is given (None: an error without a status, e.g. a
    #: generic error event inside a stream).
    default_status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        should_retry: bool | None = None,
        retry_after: float | None = None,
        provider_id: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(message, provider_id=provider_id, model=model)
        self.status_code = self.default_status if status_code is None else status_code
        self.error_type = error_type
        self.should_retry = should_retry
        self.retry_after = retry_after


class BadRequestError(APIError):
    """The provider rejected the request as invalid (400, 413, 422)."""

    default_status = 400


class AuthenticationError(APIError):
    """The API key was missing, wrong or revoked (401)."""

    default_status = 401


class PermissionDeniedError(APIError):
    """The key may not use this resource (403)."""

    default_status = 403


class NotFoundError(APIError):
    """The model or endpoint does not exist (404)."""

    default_status = 404


class RateLimitError(APIError):
    """The provider is rate limiting this key (429); see ``retry_after``."""

    default_status = 429


class InternalServerError(APIError):
    """The provider failed (5xx)."""

    default_status = 500


class OverloadedError(InternalServerError):
    """The provider is overloaded (Anthropic's 529 or an ``overloaded_error`` event)."""

    default_status = 529


class MalformedResponseError(APIError):
    """The provider answered, but with something that is not a valid answer: a body that is
    not JSON, the wrong shape, impossible usage, an invalid byte in a stream. Retried: the
    server misbehaved, and another try or another provider may do better."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("should_retry", True)
        kwargs.setdefault("error_type", "malformed_response")
        super().__init__(message, **kwargs)


class StreamInterruptedError(ProviderError):
    """A stream failed after part of the answer was delivered.

    The partial text is never passed off as a complete answer; it is available here.

    Attributes:
        partial_text: The text received before the failure.
    """

    def __init__(self, message: str, *, partial_text: str = "", **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)
        self.partial_text = partial_text


class CircuitOpenError(ProviderError):
    """The provider's circuit breaker is open: the call failed fast without being sent.

    Attributes:
        retry_in: Seconds until the breaker lets a trial call through.
    """

    def __init__(self, message: str, *, retry_in: float, **kwargs: str | None) -> None:
        super().__init__(message, **kwargs)
        self.retry_in = retry_in


class AllProvidersFailedError(ProviderError):
    """Every provider in a failover chain failed; ``errors`` holds each one's error."""

    def __init__(self, errors: list[tuple[str, BaseException]]) -> None:
        self.errors = errors
        parts = "; ".join(f"{pid}: {type(e).__name__}: {e}" for pid, e in errors)
        super().__init__(f"all providers failed ({parts})")
        self.__cause__ = errors[-1][1] if errors else None


_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    529: OverloadedError,
}


def error_for_status(status_code: int) -> type[APIError]:
    """Return the APIError subclass an HTTP status maps to (plugins use it to translate)."""
    if status_code in _STATUS_ERRORS:
        return _STATUS_ERRORS[status_code]
    if status_code >= 500:
        return InternalServerError
    return APIError


class BudgetExceededError(OrchestifyError):
    """A call was refused before anything was sent: its worst case does not fit a budget,
    or its model has no known price under a USD budget that refuses unpriced calls.

    Not a ProviderError: it is neither retried nor failed over.

    Attributes:
        budget: The budget's name.
        period: The budget's period (``month 2025-06``).
        provider_id: The provider the call was for.
    """

    def __init__(
        self, message: str, *, budget: str, period: str, provider_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.budget = budget
        self.period = period
        self.provider_id = provider_id


class LedgerUnavailableError(OrchestifyError):
    """The usage ledger's store cannot be reached and its policy (``when_unavailable:
    refuse``) says not to send calls it cannot account: the call was not sent."""


class RateLimitWaitError(RateLimitError):
    """The call was not sent: the client-side rate limit (``rate_limits:``) would make it
    wait longer than its timeout for capacity. ``retry_after`` is the wait it would need.

    A :class:`RateLimitError` like a provider's 429: retried by the retry policy (which
    gives up when ``retry_after`` exceeds ``max_retry_after``) and failed over. Nothing
    reached the provider, so the circuit breaker does not count it.
    """
