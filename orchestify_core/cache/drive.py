"""The response cache around the attempt driver: a hit is served without calling anyone, a
miss runs :func:`~orchestify_core._attempts.drive` and stores what it answered.

A hit is accounted as one attempt with outcome ``cache_hit``: no tokens, cost 0, and the
cost the stored answer had when it was made (what the hit saved), in the provider's usage,
the usage ledger (without touching any budget) and the ``orchestify_attempt_finished``
hook. What is stored: a whole answer the called provider itself served (never a fallback's,
which the key does not describe), from ``complete()`` or a stream read to its end. Never
an error, a stream cut short, cancelled or interrupted, nor a call whose temperature is
above 0 unless the config allows it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from .._attempts import AttemptFn, CallSettings, drive, stream_attempt
from ..errors import RequestValidationError
from ..events import StreamDone, StreamEvent
from ..models import CompletionRequest, LLMResponse, Usage
from ..usage import Attempt, Outcome
from .codec import Entry, encode, replay_events
from .flight import Outcome as FlightOutcome

if TYPE_CHECKING:
    from ..provider import LLMProvider
    from .core import Lead, ProviderCache

__all__ = ["cached_events"]

_ZERO = Decimal(0)
logger = logging.getLogger("orchestify_core.provider")  # where attempts are logged


def cached_events(
    provider: LLMProvider,
    request: CompletionRequest,
    settings: CallSettings,
    attempt: AttemptFn,
    per_call: bool | None,
) -> AsyncGenerator[StreamEvent, None]:
    """The call's events, through the cache when the provider, view or call asks for it.

    :raises RequestValidationError: ``cache=True`` without a ``cache:`` section.
    """
    cache: ProviderCache | None = provider._cache
    if cache is None:
        if per_call:
            raise RequestValidationError(
                f"cache=True, but provider {provider.provider_id!r} has no response cache "
                "(add a top-level cache: section to the config)"
            )
        return drive(provider, request, settings, attempt)
    enabled = cache.enabled if per_call is None else per_call
    if not enabled or not cache.admits(request):
        return drive(provider, request, settings, attempt)
    return _through_cache(cache, provider, request, settings, attempt)


async def _through_cache(
    cache: ProviderCache,
    provider: LLMProvider,
    request: CompletionRequest,
    settings: CallSettings,
    attempt: AttemptFn,
) -> AsyncGenerator[StreamEvent, None]:
    started = time.perf_counter()
    key = await cache.key(provider, request)
    entry = lead = None
    if key is not None:
        wait = cache.cache.config.lock_timeout or request.timeout or 600.0
        entry, lead = await cache.cache.find_or_lead(key, wait)
    if entry is not None:
        response = await _hit(provider, settings, entry, started)
        if attempt is stream_attempt:
            for event in replay_events(entry):
                yield event
        yield StreamDone(response)
        return
    events = drive(provider, request, settings, attempt)
    if key is None:
        async for event in events:
            yield event
        return
    captured: list[StreamEvent] | None = [] if attempt is stream_attempt else None
    outcome: Entry | FlightOutcome = FlightOutcome.UNCACHED
    try:
        async for event in events:
            if type(event) is StreamDone:
                outcome = await _store(cache, provider, key, event.response, captured, lead)
                if lead is not None:
                    await lead.finish(outcome)
                    lead = None
            elif captured is not None:
                captured.append(event)
            yield event
    except BaseException as exc:
        if lead is not None:
            cancelled = not isinstance(exc, Exception)  # CancelledError, GeneratorExit
            await lead.finish(FlightOutcome.CANCELLED if cancelled else outcome)
            lead = None
        raise
    finally:
        await events.aclose()
        if lead is not None:  # the stream ended without an answer
            await lead.finish(FlightOutcome.UNCACHED)


async def _store(
    cache: ProviderCache,
    provider: LLMProvider,
    key: str,
    response: LLMResponse,
    captured: list[StreamEvent] | None,
    lead: Lead | None,
) -> Entry | FlightOutcome:
    """Store the answer when the called provider served it; what the waiters get."""
    if response.provider_id != provider.provider_id:
        return FlightOutcome.UNCACHED
    cost = response.cost_usd
    events = None if captured is None else tuple(captured)
    try:
        value = encode(response, cost, events)
    except (TypeError, ValueError) as exc:  # an event or part it cannot write: not cached
        logger.warning("provider %s: answer not cached: %s", provider.provider_id, exc)
        return FlightOutcome.UNCACHED
    await cache.cache.put(key, value, cache.ttl, lead)
    return Entry(_stored(response), cost, events)


def _stored(response: LLMResponse) -> LLMResponse:
    """A copy of ``response`` as the cache gives it back (no SDK object, no timings)."""
    return attrs.evolve(response, raw_response=None, parts=list(response.parts))


async def _hit(
    provider: LLMProvider,
    settings: CallSettings,
    entry: Entry,
    started: float,
) -> LLMResponse:
    """Account a hit (one attempt, outcome cache_hit) and the response it gives."""
    settings.attempts += 1
    latency = time.perf_counter() - started
    response = attrs.evolve(
        entry.response,
        parts=list(entry.response.parts),
        cost_usd=_ZERO,
        provider_id=provider.provider_id,
        provider_type=provider.provider_type,
        latency_s=latency,
        attempts=settings.attempts,
        cached=True,
    )
    provider._ledger.add_hit(entry.cost)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("provider=%s model=%s outcome=cache_hit saved=%s latency=%.4fs",
                     provider.provider_id, response.model, entry.cost, latency)  # fmt: skip
    record = Attempt(
        provider_id=provider.provider_id,
        model=response.model,
        outcome=Outcome.CACHE_HIT,
        usage=Usage(),
        cost=_ZERO,
        latency_s=latency,
        saved=entry.cost,
    )
    observers = provider._hooks.orchestify_attempt_finished
    if observers.get_hookimpls():
        observers(provider=provider._context, attempt=record)
    meter = provider._meter
    if meter is not None:
        from ..ledger import NO_LABELS

        # The row is written even if the caller is cancelled meanwhile (as an attempt's is).
        await asyncio.shield(meter.record(provider, settings.labels or NO_LABELS, None, record))
    return response
