"""Budgets: what a call may spend, per period and scope, and the alerts they raise.

A :class:`Budget` is one entry of the config's ``budgets:`` section made usable: it knows
which calls it covers, the key of the current period (``monthly:2025-06``), a call's worst
case, and how far along its period is (for the spend rate and the projected end-of-period
spend). The atomic part (checking and holding) is the ledger store's.

Money in budgets is counted in integer nano-dollars, each attempt's cost rounded *up*: a
budget can over-count by under a nano-dollar per call, never under-count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

import attrs

from ._config_ledger import BudgetConfig
from .models import CompletionRequest, ModelPrice
from .requests import CHARS_PER_TOKEN, estimate_tokens

__all__ = [
    "NANO",
    "Budget",
    "BudgetAlert",
    "BudgetStatus",
    "Period",
    "from_nano",
    "status_of",
    "to_nano",
    "worst_case",
]

#: Nano-dollars per dollar.
NANO = Decimal(1_000_000_000)
_MILLION = Decimal(1_000_000)
_NANO_USD = Decimal("0.000000001")


def to_nano(cost: Decimal) -> int:
    """USD -> integer nano-dollars, rounded up."""
    return int((cost * NANO).to_integral_value(rounding=ROUND_CEILING))


def from_nano(nano: int) -> Decimal:
    return Decimal(nano) / NANO


def worst_case(
    request: CompletionRequest, price: ModelPrice | None, input_tokens: int | None = None
) -> tuple[int, int]:
    """The most a request may cost, as (nano-dollars, tokens): its input (``input_tokens``,
    the plugin's count, else estimated here) at the dearest input rate (plain, cache read or
    cache write) plus ``max_tokens`` at the output rate. Unpriced: (0, tokens)."""
    if input_tokens is None:
        input_tokens = estimate_tokens(request)
        if request.tools:
            schema_chars = sum(len(str(tool)) for tool in request.tools)
            input_tokens += schema_chars // CHARS_PER_TOKEN + 1
    tokens = input_tokens + request.max_tokens
    if price is None:
        return 0, tokens
    rates = [
        price.input_per_mtok,
        price.cache_read_per_mtok,
        price.cache_write_per_mtok,
        price.cache_write_1h_per_mtok,
    ]
    input_rate = max(rate for rate in rates if rate is not None)
    cost = (input_tokens * input_rate + request.max_tokens * price.output_per_mtok) / _MILLION
    return to_nano(cost), tokens


@attrs.frozen
class Period:
    """One period of a budget: its label and its bounds (seconds since the epoch)."""

    label: str
    start: float | None  # None: the ``total`` period
    end: float | None

    def elapsed_fraction(self, now: float) -> float | None:
        if self.start is None or self.end is None:
            return None
        return min(max((now - self.start) / (self.end - self.start), 0.0), 1.0)


@attrs.frozen
class Budget:
    """A configured budget, ready to match calls and name periods."""

    name: str
    config: BudgetConfig
    zone: ZoneInfo = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.config.timezone))

    @property
    def enforced(self) -> bool:
        return self.config.action == "block"

    @property
    def limit_nano(self) -> int | None:
        limit = self.config.limit_usd
        return None if limit is None else to_nano(limit)

    def covers(self, provider_id: str, agent: str | None, tags: Mapping[str, str]) -> bool:
        scope = self.config.scope
        if scope.provider is not None and scope.provider != provider_id:
            return False
        if scope.agent is not None and scope.agent != agent:
            return False
        return all(tags.get(key) == value for key, value in scope.tag.items())

    def period(self, now: float) -> Period:
        kind = self.config.period
        if kind == "total":
            return Period("total", None, None)
        local = dt.datetime.fromtimestamp(now, self.zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if kind == "day":
            start, end = day, day + dt.timedelta(days=1)
            label = start.strftime("%Y-%m-%d")
        elif kind == "week":
            start = day - dt.timedelta(days=day.weekday())
            end = start + dt.timedelta(days=7)
            year, week, _ = start.isocalendar()
            label = f"{year}-W{week:02d}"
        else:
            start = day.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            label = start.strftime("%Y-%m")
        # Wall-clock bounds in the zone (a DST change makes a day 23 or 25 hours long).
        return Period(label, _epoch(start, self.zone), _epoch(end, self.zone))

    def key(self, now: float) -> str:
        return f"{self.name}:{self.period(now).label}"


def _epoch(local: dt.datetime, zone: ZoneInfo) -> float:
    return local.replace(tzinfo=None).replace(tzinfo=zone).timestamp()


@attrs.frozen
class BudgetStatus:
    """A budget in its current period, as ``orchestify budgets`` shows it.

    Attributes:
        spent_usd: Spent so far (settled attempts), USD.
        reserved_usd: Held by calls in flight (their worst case), USD.
        remaining_usd: What is left of ``limit_usd`` (never below 0), or None.
        rate_usd_per_hour: Spend per hour since the period began, or None (``total``).
        projected_usd: The spend at the end of the period at that rate, or None.
    """

    name: str
    scope: str
    period: str
    action: str
    limit_usd: Decimal | None
    limit_tokens: int | None
    spent_usd: Decimal
    reserved_usd: Decimal
    remaining_usd: Decimal | None
    spent_tokens: int
    reserved_tokens: int
    remaining_tokens: int | None
    in_flight: int
    rate_usd_per_hour: Decimal | None
    projected_usd: Decimal | None
    projected_tokens: int | None

    @property
    def used_fraction(self) -> float:
        """The larger of the USD and token shares of the limits spent (0 with no limit)."""
        shares = [0.0]
        if self.limit_usd:
            shares.append(float(self.spent_usd / self.limit_usd))
        if self.limit_tokens:
            shares.append(self.spent_tokens / self.limit_tokens)
        return max(shares)


@attrs.frozen
class BudgetAlert:
    """A budget crossed one of its alert thresholds (sent once per threshold and period)."""

    budget: str
    threshold: float
    status: BudgetStatus

    def message(self) -> str:
        status = self.status
        parts = []
        if status.limit_usd is not None:
            parts.append(f"${status.spent_usd:.6f} of ${status.limit_usd}")
        if status.limit_tokens is not None:
            parts.append(f"{status.spent_tokens} of {status.limit_tokens} tokens")
        forecast = ""
        if status.projected_usd is not None and status.limit_usd is not None:
            forecast = (
                f"; ${status.rate_usd_per_hour}/hour, projected ${status.projected_usd} by "
                "the end of the period"
            )
        return (
            f"budget {self.budget!r} ({status.scope}, {status.period}) passed "
            f"{self.threshold:.0%}: {', '.join(parts)} spent{forecast}"
        )


def status_of(budget: Budget, now: float, spent: tuple[int, int, int, int, int]) -> BudgetStatus:
    """A budget's status from its key's spend ``(nano, tokens, held nano, held tokens, n)``."""
    nano, tokens, held_nano, held_tokens, in_flight = spent
    config = budget.config
    period = budget.period(now)
    fraction = period.elapsed_fraction(now)
    spent_usd = from_nano(nano)
    rate = projected = None
    projected_tokens = None
    if fraction is not None and period.start is not None and fraction > 0:
        hours = Decimal(max(now - period.start, 1.0)) / 3600
        rate = (spent_usd / hours).quantize(_NANO_USD)
        projected = (spent_usd / Decimal(fraction)).quantize(_NANO_USD)
        projected_tokens = math.ceil(tokens / fraction)
    limit_usd = config.limit_usd
    return BudgetStatus(
        name=budget.name,
        scope=config.scope.describe(),
        period=f"{config.period} {period.label}" if config.period != "total" else "total",
        action=config.action,
        limit_usd=limit_usd,
        limit_tokens=config.limit_tokens,
        spent_usd=spent_usd,
        reserved_usd=from_nano(held_nano),
        remaining_usd=None if limit_usd is None else max(limit_usd - spent_usd, Decimal(0)),
        spent_tokens=tokens,
        reserved_tokens=held_tokens,
        remaining_tokens=None
        if config.limit_tokens is None
        else max(config.limit_tokens - tokens, 0),
        in_flight=in_flight,
        rate_usd_per_hour=rate,
        projected_usd=projected,
        projected_tokens=projected_tokens,
    )
