"""Opening an attempt of a provider with more than a local breaker: the slow path.

The attempt driver opens an attempt itself (one :class:`AttemptScope`, the breaker's
ticket) when the provider has no usage ledger, no rate limit and no shared breaker. With
any of them it comes here, and the steps go in this order, each undone if a later one
fails:

1. the shared breaker admits the attempt (an open circuit fails at once, nothing waits);
2. the rate limiter draws the attempt's cost and waits for capacity, at most the
   attempt's timeout (:class:`~orchestify_core.errors.RateLimitWaitError` past it);
3. the usage ledger holds the budgets' worst case (``open_scope``), which opens the scope.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ._attempts import AttemptResult, AttemptScope
    from ._breaker_shared import SharedCircuitBreaker
    from .models import CompletionRequest
    from .provider import LLMProvider
    from .ratelimit import Permit, RateLimiter

__all__ = ["Gate", "admit"]


@attrs.define
class Gate:
    """What a provider's attempts pass before they are opened (either may be None)."""

    limiter: RateLimiter | None = None
    breaker: SharedCircuitBreaker | None = None

    async def aclose(self) -> None:
        """Wait for the store updates still under way."""
        if self.limiter is not None:
            await self.limiter.aclose()
        if self.breaker is not None:
            await self.breaker.aclose()


async def admit(
    provider: LLMProvider, request: CompletionRequest, result: AttemptResult
) -> AttemptScope:
    """The scope of an attempt that passed the gate and the ledger (see the module)."""
    from ._attempts import AttemptScope
    from ._metering import open_scope

    gate: Gate | None = provider._gate
    ticket: Any = None
    permit: Permit | None = None
    try:
        if gate is not None:
            if gate.breaker is not None:
                ticket = await gate.breaker.admit()
            if gate.limiter is not None:
                max_wait = 1e9 if request.timeout is None else request.timeout
                permit = await gate.limiter.acquire(request, max_wait)
        if provider._meter is not None:
            scope = await open_scope(provider, request, result)
        else:
            scope = AttemptScope(provider, request)
    except BaseException:
        if permit is not None:
            permit.settle(None)
        if ticket is not None and gate is not None and gate.breaker is not None:
            gate.breaker.after_call(ticket, asyncio.CancelledError())  # neither way
        raise
    if ticket is not None:
        scope.ticket = ticket
    scope.permit = permit
    return scope
