"""The core's own hook implementations: the default retry policy, circuit breaker and
token count (an estimate).

They run last (``trylast``), so a plugin that implements the same hook replaces them.
"""

from __future__ import annotations

from collections.abc import Awaitable

from ._counting import estimated_count
from .breaker import CircuitBreaker
from .counting import TokenCount
from .hookspecs import hookimpl
from .models import CompletionRequest, ProviderContext
from .retry import RetryPolicy


@hookimpl(trylast=True)
def orchestify_retry_policy(provider: ProviderContext) -> RetryPolicy:
    return RetryPolicy(provider.config.retry)


@hookimpl(trylast=True)
def orchestify_circuit_breaker(provider: ProviderContext) -> CircuitBreaker:
    return CircuitBreaker(name=provider.provider_id, config=provider.config.circuit_breaker)


@hookimpl(trylast=True)
def orchestify_count_tokens(
    provider: ProviderContext, request: CompletionRequest, offline: bool
) -> Awaitable[TokenCount]:
    return estimated_count(request)
