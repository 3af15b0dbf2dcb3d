"""The core's own hook implementations: the default retry policy and circuit breaker.

They run last (``trylast``), so a plugin that implements the same hook replaces them.
"""

from __future__ import annotations

from .breaker import CircuitBreaker
from .hookspecs import hookimpl
from .models import ProviderContext
from .retry import RetryPolicy


@hookimpl(trylast=True)
def orchestify_retry_policy(provider: ProviderContext) -> RetryPolicy:
    return RetryPolicy(provider.config.retry)


@hookimpl(trylast=True)
def orchestify_circuit_breaker(provider: ProviderContext) -> CircuitBreaker:
    return CircuitBreaker(name=provider.provider_id, config=provider.config.circuit_breaker)
