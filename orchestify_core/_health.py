"""A provider's health check: the plugin's hook, bounded by the provider's timeout."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import attrs

from .errors import ProviderError
from .models import HealthStatus
from .scrub import scrub

if TYPE_CHECKING:
    from .provider import LLMProvider

__all__ = ["check_health"]


async def check_health(provider: LLMProvider) -> HealthStatus:
    """Ask the plugin's health hook; a timeout or a provider error is an unhealthy status
    (scrubbed of the provider's secrets), never an exception."""
    context = provider._context
    awaitable = provider._hooks.orchestify_health_check(provider=context)
    if awaitable is None:
        return HealthStatus(ok=True, detail="the plugin has no health check")
    started = time.perf_counter()
    try:
        status: HealthStatus = await asyncio.wait_for(awaitable, context.config.timeout)
    except TimeoutError:
        return HealthStatus(ok=False, detail=f"timed out after {context.config.timeout}s")
    except ProviderError as exc:
        detail = scrub(f"{type(exc).__name__}: {exc}", context.secrets)
        return HealthStatus(ok=False, detail=detail)
    if status.latency_s is None:
        status = attrs.evolve(status, latency_s=time.perf_counter() - started)
    return status
