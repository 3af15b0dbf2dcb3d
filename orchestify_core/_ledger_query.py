"""Totals over ledger rows, grouped by provider, agent, model, tag or day (exact Decimal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs

from .store import AttemptRow

__all__ = ["GROUPINGS", "UsageTotals", "totals_by"]

#: What ``by`` may be (``tag:NAME`` groups by one tag's values).
GROUPINGS = ("provider", "agent", "model", "tag", "day", "type", "outcome")


@attrs.define
class UsageTotals:
    """The totals of a group of recorded attempts.

    Attributes:
        cost: Exact USD of the priced attempts.
        calls: Completed attempts.
        attempts: Every attempt (failed, cancelled and truncated ones included).
        unpriced_attempts: Attempts with no known price (not in ``cost``).
        cache_hits: Calls served from the response cache (attempts with no cost).
        saved: What the cache hits' answers cost when they were made (USD).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal = Decimal(0)
    calls: int = 0
    attempts: int = 0
    unpriced_attempts: int = 0
    estimated_attempts: int = 0
    cache_hits: int = 0
    saved: Decimal = Decimal(0)

    def add(self, row: AttemptRow) -> None:
        self.input_tokens += row.input_tokens
        self.output_tokens += row.output_tokens
        self.cache_read_tokens += row.cache_read_tokens
        self.cache_write_tokens += row.cache_write_tokens
        self.reasoning_tokens += row.reasoning_tokens
        self.attempts += 1
        self.calls += row.outcome == "completed"
        self.estimated_attempts += row.estimated
        if row.cost is None:
            self.unpriced_attempts += 1
        else:
            self.cost += row.cost
        if row.outcome == "cache_hit":
            self.cache_hits += 1
            self.saved += row.saved or 0

    def to_dict(self) -> dict[str, object]:
        data = attrs.asdict(self)
        data["cost"] = str(self.cost)
        data["saved"] = str(self.saved)
        return data


def _groups(row: AttemptRow, by: str | None, zone: dt.tzinfo) -> Iterable[str]:
    if by is None:
        return ("total",)
    if by == "provider":
        return (row.provider_id,)
    if by == "type":
        return (row.provider_type,)
    if by == "agent":
        return (row.agent or "(none)",)
    if by == "model":
        return (row.model,)
    if by == "outcome":
        return (row.outcome,)
    if by == "day":
        return (dt.datetime.fromtimestamp(row.time, zone).strftime("%Y-%m-%d"),)
    if by == "tag":
        return [f"{key}={value}" for key, value in sorted(row.tags.items())] or ["(untagged)"]
    if by.startswith("tag:"):
        return (row.tags.get(by[4:], "(untagged)"),)
    raise ValueError(f"cannot group by {by!r} (expected one of {', '.join(GROUPINGS)}, tag:NAME)")


def totals_by(
    rows: Iterable[AttemptRow], by: str | None = None, zone: dt.tzinfo = dt.UTC
) -> dict[str, UsageTotals]:
    """Rows summed per group, groups in name order. A row with several tags counts once
    under each of them when grouped ``by="tag"``."""
    if by is not None and by not in GROUPINGS and not by.startswith("tag:"):
        raise ValueError(
            f"cannot group by {by!r} (expected one of {', '.join(GROUPINGS)}, tag:NAME)"
        )
    totals: dict[str, UsageTotals] = {}
    for row in rows:
        for group in _groups(row, by, zone):
            entry = totals.get(group)
            if entry is None:
                entry = totals[group] = UsageTotals()
            entry.add(row)
    return dict(sorted(totals.items()))
