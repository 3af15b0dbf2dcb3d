"""Usage accounting: every attempt recorded exactly once, totals exact.

Tokens are integers and money is :class:`~decimal.Decimal` inside; ``total_cost_usd`` is a
float only at the seed API's edge. A :class:`UsageLedger` is safe to update from many
asyncio tasks and threads at once (a lock guards a handful of additions).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping
from decimal import Decimal

import attrs

from .models import Usage

__all__ = ["Attempt", "Outcome", "TokenUsage", "UsageLedger"]

_ZERO = Decimal(0)


class Outcome(enum.StrEnum):
    """How an attempt ended."""

    COMPLETED = "completed"
    ERROR = "error"  # failed before any content reached the caller
    TRUNCATED = "truncated"  # a stream failed after content reached the caller
    CANCELLED = "cancelled"  # the caller cancelled, or stopped reading a stream
    CACHE_HIT = "cache_hit"  # served from the response cache: no provider was called
    EXPIRED = "expired"  # a batch item the provider did not run before the batch expired


@attrs.frozen
class Attempt:
    """One attempt at a call, as accounted.

    Attributes:
        usage: Its tokens; ``usage.estimated`` says whether they were estimated.
        cost: Its cost in USD, or None when the model is unpriced.
        error: ``ExceptionClass: message`` for a failed attempt.
        saved: For a cache hit, what the stored answer cost when it was made.
    """

    provider_id: str
    model: str
    outcome: Outcome
    usage: Usage
    cost: Decimal | None
    latency_s: float
    error: str | None = None
    saved: Decimal | None = None


@attrs.frozen
class TokenUsage:
    """Cumulative usage of a provider (the seed's four fields first).

    Attributes:
        total_input: Input tokens, cache reads and writes included.
        total_output: Output tokens.
        total_cost_usd: ``cost`` as a float.
        call_count: Completed calls.
        total_cache_read: Input tokens read from the prompt cache.
        total_cache_write: Input tokens written to the prompt cache.
        total_reasoning: Reasoning tokens (part of ``total_output``).
        cost: The exact cost in USD of the priced attempts.
        attempts: Every attempt, failed ones included.
        outcomes: Attempts per :class:`Outcome` value.
        unpriced_attempts: Attempts whose model has no known price (not in ``cost``).
        estimated_attempts: Attempts whose tokens were estimated, not reported.
        cache_hits: Calls served from the response cache (no tokens, cost 0; in
            ``outcomes["cache_hit"]`` too).
        saved_cost: What the cache hits' answers cost when they were made (USD).
    """

    total_input: int = 0
    total_output: int = 0
    total_cost_usd: float = 0.0
    call_count: int = 0
    total_cache_read: int = 0
    total_cache_write: int = 0
    total_reasoning: int = 0
    cost: Decimal = _ZERO
    attempts: int = 0
    outcomes: Mapping[str, int] = attrs.field(factory=dict)
    unpriced_attempts: int = 0
    estimated_attempts: int = 0
    cache_hits: int = 0
    saved_cost: Decimal = _ZERO

    def __add__(self, other: TokenUsage) -> TokenUsage:
        outcomes = dict(self.outcomes)
        for key, count in other.outcomes.items():
            outcomes[key] = outcomes.get(key, 0) + count
        cost = self.cost + other.cost
        return TokenUsage(
            total_input=self.total_input + other.total_input,
            total_output=self.total_output + other.total_output,
            total_cost_usd=float(cost),
            call_count=self.call_count + other.call_count,
            total_cache_read=self.total_cache_read + other.total_cache_read,
            total_cache_write=self.total_cache_write + other.total_cache_write,
            total_reasoning=self.total_reasoning + other.total_reasoning,
            cost=cost,
            attempts=self.attempts + other.attempts,
            outcomes=outcomes,
            unpriced_attempts=self.unpriced_attempts + other.unpriced_attempts,
            estimated_attempts=self.estimated_attempts + other.estimated_attempts,
            cache_hits=self.cache_hits + other.cache_hits,
            saved_cost=self.saved_cost + other.saved_cost,
        )


class UsageLedger:
    """The running totals of one provider."""

    __slots__ = (
        "_attempts",
        "_cache_read",
        "_cache_write",
        "_completed",
        "_cost",
        "_estimated",
        "_hits",
        "_input",
        "_lock",
        "_outcomes",
        "_output",
        "_reasoning",
        "_saved",
        "_unpriced",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._input = self._output = self._cache_read = self._cache_write = 0
        self._reasoning = self._attempts = self._completed = 0
        self._unpriced = self._estimated = 0
        self._cost = _ZERO
        self._outcomes: dict[str, int] = {}
        self._hits = 0
        self._saved = _ZERO

    def record(self, attempt: Attempt) -> None:
        """Add one attempt to the totals."""
        self.add(attempt.outcome, attempt.usage, attempt.cost)

    def add(self, outcome: Outcome, usage: Usage, cost: Decimal | None) -> None:
        """Add one attempt, given by its parts, to the totals."""
        with self._lock:
            self._input += usage.input_tokens
            self._output += usage.output_tokens
            self._cache_read += usage.cache_read_tokens
            self._cache_write += usage.cache_write_tokens
            self._reasoning += usage.reasoning_tokens
            self._attempts += 1
            self._outcomes[outcome] = self._outcomes.get(outcome, 0) + 1
            if outcome is Outcome.COMPLETED:
                self._completed += 1
            if cost is None:
                self._unpriced += 1
            else:
                self._cost += cost
            if usage.estimated:
                self._estimated += 1

    def add_hit(self, saved: Decimal | None) -> None:
        """Add a cache hit: an attempt with no tokens and no cost, and what it saved."""
        with self._lock:
            self._attempts += 1
            self._outcomes[Outcome.CACHE_HIT] = self._outcomes.get(Outcome.CACHE_HIT, 0) + 1
            self._hits += 1
            if saved is not None:
                self._saved += saved

    def snapshot(self) -> TokenUsage:
        """The totals so far."""
        with self._lock:
            return TokenUsage(
                total_input=self._input,
                total_output=self._output,
                total_cost_usd=float(self._cost),
                call_count=self._completed,
                total_cache_read=self._cache_read,
                total_cache_write=self._cache_write,
                total_reasoning=self._reasoning,
                cost=self._cost,
                attempts=self._attempts,
                outcomes={str(k): v for k, v in self._outcomes.items()},
                unpriced_attempts=self._unpriced,
                estimated_attempts=self._estimated,
                cache_hits=self._hits,
                saved_cost=self._saved,
            )

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._reset()
