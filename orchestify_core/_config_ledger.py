"""The ``ledger:`` and ``budgets:`` sections of the config: their records and their checks.

::

    ledger:
      backend: sqlite             # memory | sqlite | redis | a plugin's backend name
      path: /var/lib/app/usage.sqlite3   # sqlite (default: $XDG_DATA_HOME/orchestify/)
      url: ${REDIS_URL}           # redis
      when_unavailable: refuse    # refuse | proceed (see docs/ledger.md)
    budgets:
      monthly:
        limit_usd: 100
        period: month             # day | week | month | total
        timezone: Europe/Paris
        scope: {provider: claude} # or {agent: ...}, {tag: {user: alice}}; none: everything
        alerts: [0.5, 0.8, 1.0]
        action: block             # block | warn
        unpriced: refuse          # refuse | allow
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from ._paths import Location, Path
from .errors import ConfigError
from .secret import Secret

__all__ = [
    "BudgetAction",
    "BudgetConfig",
    "BudgetPeriod",
    "BudgetScope",
    "LedgerConfig",
    "StoreFailurePolicy",
    "UnpricedPolicy",
    "check_ledger",
    "merge_single_section",
]


#: Reports a problem at a key path: returns None (checking goes on) or the ConfigError to
#: raise (the first problem stops).
Report = Callable[[Path, str], "ConfigError | None"]


def _say(report: Report, path: Path, reason: str) -> None:
    """Report a problem; raise it if the reporter hands back an error to raise."""
    error = report(path, reason)
    if isinstance(error, BaseException):
        raise error


#: Top-level sections that hold one mapping of settings (not named entries).
SINGLE_SECTIONS = ("ledger",)
#: Top-level sections this module adds.
SECTIONS = ("ledger", "budgets")
_TAG = re.compile(r"[A-Za-z0-9_.:@/-]{1,64}")


#: ``day``, ``week`` (ISO, from Monday), ``month``, or ``total`` (never resets).
BudgetPeriod = Literal["day", "week", "month", "total"]
#: ``block`` refuses a call whose worst case does not fit; ``warn`` lets it through, alerting.
BudgetAction = Literal["block", "warn"]
#: A call with no known price under a USD budget: ``refuse`` it, or ``allow`` it (it then
#: counts against token limits only).
UnpricedPolicy = Literal["refuse", "allow"]
#: While the store cannot be reached: ``refuse`` calls (nothing is sent), or ``proceed``
#: unchecked (records wait in memory until the store is back).
StoreFailurePolicy = Literal["refuse", "proceed"]


@attrs.frozen(repr=False)
class LedgerConfig:
    """The ``ledger:`` section: where every attempt is recorded.

    Attributes:
        backend: ``memory``, ``sqlite``, ``redis``, or a backend a plugin adds.
        path: The SQLite file (default ``$XDG_DATA_HOME/orchestify/ledger.sqlite3``).
        url: The Redis URL (may hold a password: masked when shown).
        prefix: The prefix of every Redis key.
        fsync: SQLite: sync the file on every record (survives power loss, slower).
        when_unavailable: What calls do while the store cannot be reached.
        timeout: Seconds a store operation may take before it counts as unavailable.
        lease_grace: Seconds a call's reservation outlives its timeout; after that a
            reservation a killed worker left behind no longer counts.
        options: Settings of a third-party backend.
    """

    backend: str = "sqlite"
    path: str | None = None
    url: Secret | None = None
    prefix: str = "orchestify"
    fsync: bool = False
    when_unavailable: StoreFailurePolicy = "refuse"
    timeout: float = 5.0
    lease_grace: float = 30.0
    options: Mapping[str, Any] = attrs.field(factory=dict)

    def __repr__(self) -> str:
        return (
            f"LedgerConfig(backend={self.backend!r}, path={self.path!r}, "
            f"url={'***' if self.url else None}, prefix={self.prefix!r})"
        )


@attrs.frozen
class BudgetScope:
    """What a budget covers: every condition given must hold (none given: everything)."""

    provider: str | None = None
    agent: str | None = None
    tag: Mapping[str, str] = attrs.field(factory=dict)

    def describe(self) -> str:
        parts = [f"provider={self.provider}"] if self.provider else []
        parts += [f"agent={self.agent}"] if self.agent else []
        parts += [f"tag {key}={value}" for key, value in sorted(self.tag.items())]
        return ", ".join(parts) or "everything"


@attrs.frozen
class BudgetConfig:
    """One budget of the ``budgets:`` section.

    Attributes:
        limit_usd: The most that may be spent in a period, in USD.
        limit_tokens: The most tokens (input + output) in a period.
        period: ``day``, ``week`` (ISO, from Monday), ``month`` or ``total``.
        timezone: The IANA time zone periods start in.
        scope: What the budget covers.
        alerts: Fractions of a limit that raise an alert once per period.
        action: ``block`` refuses calls that would not fit; ``warn`` only alerts.
        unpriced: What happens to a call with no known price under ``limit_usd``.
    """

    limit_usd: Decimal | None = None
    limit_tokens: int | None = None
    period: BudgetPeriod = "month"
    timezone: str = "UTC"
    scope: BudgetScope = BudgetScope()
    alerts: tuple[float, ...] = (0.5, 0.8, 1.0)
    action: BudgetAction = "block"
    unpriced: UnpricedPolicy = "refuse"


def merge_single_section(
    section: str,
    entries: Any,
    merged: dict[str, Any],
    doc_locations: Mapping[Path, Location],
    locations: dict[Path, Location],
    report: Report,
) -> None:
    """Merge a one-mapping section (``ledger:``) of one document; twice is an error."""
    if not isinstance(entries, dict):
        _say(report, (section,), f"expected a mapping of {section} settings")
        return
    if section in merged:
        first = locations[(section,)]
        locations[(section,)] = doc_locations[(section,)]
        _say(report, (section,), f"defined twice (first at {first[0]}:{first[1]})")
        return
    merged[section] = entries
    locations.update({p: loc for p, loc in doc_locations.items() if p[:1] == (section,)})


def check_ledger(
    ledger: LedgerConfig | None,
    budgets: Mapping[str, BudgetConfig],
    providers: Collection[str],
    agents: Mapping[str, Any],
    report: Report,
) -> None:
    """Report every problem of the ledger, budgets and agents' tags, as ``report(path, reason)``.

    :param providers: Every provider id the config defines.
    """
    if ledger is not None:
        _check_store(ledger, report)
    for name, budget in budgets.items():
        _check_budget(name, budget, providers, agents, report)
    for aid, agent in agents.items():
        for key, value in getattr(agent, "tags", {}).items():
            _check_tag(("agents", aid, "tags", key), key, value, report)


def _check_store(ledger: LedgerConfig, report: Report) -> None:
    if not ledger.backend:
        _say(report, ("ledger", "backend"), "must not be empty")
    if ledger.backend == "redis" and ledger.url is None:
        _say(report, ("ledger", "url"), "the redis backend needs a url (redis://host:port/db)")
    if ledger.url is not None:
        scheme = ledger.url.get_secret_value().partition("://")[0]
        if scheme not in ("redis", "rediss", "unix"):
            _say(report, ("ledger", "url"), "must be a redis://, rediss:// or unix:// URL")
    if ledger.timeout <= 0:
        _say(report, ("ledger", "timeout"), "must be a positive number of seconds")
    if ledger.lease_grace < 0:
        _say(report, ("ledger", "lease_grace"), "must not be negative")
    if not _TAG.fullmatch(ledger.prefix):
        _say(report, ("ledger", "prefix"), "must be 1 to 64 letters, digits or _.:@/-")


def _check_budget(
    name: str,
    budget: BudgetConfig,
    providers: Collection[str],
    agents: Mapping[str, Any],
    report: Report,
) -> None:
    base: Path = ("budgets", name)
    if not _TAG.fullmatch(name):
        _say(report, base, "a budget name must be 1 to 64 letters, digits or _.:@/-")
    if budget.limit_usd is None and budget.limit_tokens is None:
        _say(report, base, "needs limit_usd, limit_tokens or both")
    if budget.limit_tokens is not None and budget.limit_tokens < 1:
        _say(report, (*base, "limit_tokens"), "must be a positive integer")
    if budget.limit_usd is not None and budget.limit_usd <= 0:
        _say(report, (*base, "limit_usd"), "must be more than 0")
    _check_timezone(budget.timezone, (*base, "timezone"), report)
    for index, threshold in enumerate(budget.alerts):
        if not 0 < threshold <= 1:
            _say(report, (*base, "alerts", index), "must be a fraction above 0 and at most 1")
    scope = budget.scope
    if scope.provider is not None and scope.provider not in providers:
        configured = ", ".join(sorted(providers)) or "none"
        _say(report, (*base, "scope", "provider"),
                   f"unknown provider {scope.provider!r} (configured: {configured})")  # fmt: skip
    if scope.agent is not None and scope.agent not in agents:
        configured = ", ".join(sorted(agents)) or "none"
        _say(report, (*base, "scope", "agent"),
                   f"unknown agent {scope.agent!r} (configured: {configured})")  # fmt: skip
    for key, value in scope.tag.items():
        _check_tag((*base, "scope", "tag", key), key, value, report)


def _check_timezone(name: str, path: Path, report: Report) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        _say(report, path, f"unknown time zone {name[:60]!r} (an IANA name: UTC, Europe/Paris)")


def _check_tag(path: Path, key: str, value: str, report: Report) -> None:
    if not _TAG.fullmatch(key):
        _say(report, path, "a tag name must be 1 to 64 letters, digits or _.:@/-")
    if len(value) > 256 or any(ord(c) < 32 for c in value):
        _say(report, path, "a tag value must be at most 256 printable characters")


def structure_ledger_sections(
    tree: Mapping[str, Any], report: Callable[[Path, str], Any]
) -> tuple[LedgerConfig | None, dict[str, BudgetConfig]]:
    """The ``ledger:`` section and each budget structured on its own (every problem shows)."""
    from ._config_convert import all_errors, converter

    conv = converter()
    ledger: LedgerConfig | None = None
    if tree.get("ledger") is not None:
        try:
            ledger = conv.structure(tree["ledger"], LedgerConfig)
        except Exception as exc:  # cattrs raises exception groups of many kinds
            for path, reason in all_errors(exc, LedgerConfig):
                report(("ledger", *path), reason)
    budgets: dict[str, BudgetConfig] = {}
    for name, entry in (tree.get("budgets") or {}).items():
        try:
            budgets[name] = conv.structure(entry, BudgetConfig)
        except Exception as exc:
            for path, reason in all_errors(exc, BudgetConfig):
                report(("budgets", name, *path), reason)
    return ledger, budgets
