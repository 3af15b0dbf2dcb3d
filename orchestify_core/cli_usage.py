"""``orchestify usage`` and ``orchestify budgets``: what the ledger recorded, and the budgets.

::

    orchestify usage [--by provider|agent|model|tag|tag:NAME|day] [--since 7d] [--json]
    orchestify usage --html report.html        # one self-contained page, inline SVG charts
    orchestify budgets [--json]                # spent, reserved, remaining, forecast
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "parse_since", "run"]

_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .cli._common import add_config_option, add_json_option

    usage = subparsers.add_parser(
        "usage",
        help="show recorded usage",
        description="Totals of the attempts recorded in the config's ledger.",
    )
    add_config_option(usage)
    add_json_option(usage)
    usage.add_argument(
        "--by",
        default=None,
        help="group by provider, agent, model, type, outcome, tag, tag:NAME or day",
    )
    usage.add_argument("--since", help="start: 30m, 12h, 7d, 2w, or a date/time (ISO 8601)")
    usage.add_argument("--until", help="end (excluded), in the same forms")
    usage.add_argument("--html", metavar="FILE", help="write a page of charts to FILE")
    budgets = subparsers.add_parser(
        "budgets",
        help="show spending budgets",
        description="Each budget in its current period: spent, reserved, remaining, forecast.",
    )
    add_config_option(budgets)
    add_json_option(budgets)


def parse_since(text: str | None, now: float | None = None) -> float | None:
    """``7d`` / ``12h`` / an ISO date or time (UTC when it has no zone) -> epoch seconds."""
    if text is None:
        return None
    from .cli._common import UsageError

    now = time.time() if now is None else now
    relative = _RELATIVE.match(text.strip())
    if relative:
        return now - int(relative.group(1)) * _UNITS[relative.group(2)]
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--since/--until: {text!r} is not 30m, 12h, 7d, 2w or an ISO date"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def run(args: argparse.Namespace) -> int:
    from .cli._common import UsageError, load
    from .ledger import Ledger
    from .plugins import default_plugin_manager

    config = load(args)
    ledger = Ledger.from_config(config, default_plugin_manager())
    if ledger is None:
        raise UsageError("the config has no ledger: (nor budgets:) section; nothing is recorded")
    work = _budgets(ledger, args) if args.command == "budgets" else _usage(ledger, args)
    return asyncio.run(work)


async def _usage(ledger: Any, args: argparse.Namespace) -> int:
    from ._ledger_query import totals_by
    from .cli._common import UsageError, table, write_json

    since, until = parse_since(args.since), parse_since(args.until)
    try:
        rows = await ledger.rows(since, until)
        groups = totals_by(rows, args.by)
    except ValueError as exc:
        raise UsageError(f"--by: {exc}") from None
    finally:
        await ledger.aclose()
    if args.html:
        from ._usage_html import render

        Path(args.html).write_text(render(rows), encoding="utf-8")  # noqa: ASYNC240
        print(f"wrote {args.html} ({len(rows)} attempts)", file=sys.stderr)
        return 0
    data = {name: totals.to_dict() for name, totals in groups.items()}
    if args.json:
        write_json(sys.stdout, data)
        return 0
    columns = ["group", "calls", "attempts", "input", "output", "cost_usd", "unpriced",
               "cache_hits", "saved_usd"]  # fmt: skip
    table(sys.stdout, columns, [
        {"group": name, "calls": t.calls, "attempts": t.attempts, "input": t.input_tokens,
         "output": t.output_tokens, "cost_usd": t.cost, "unpriced": t.unpriced_attempts,
         "cache_hits": t.cache_hits, "saved_usd": t.saved}
        for name, t in groups.items()
    ])  # fmt: skip
    return 0


async def _budgets(ledger: Any, args: argparse.Namespace) -> int:
    from .cli._common import table, write_json

    try:
        statuses = await ledger.budget_status()
    finally:
        await ledger.aclose()
    if args.json:
        write_json(sys.stdout, [_status_dict(status) for status in statuses])
        return 0
    columns = ["budget", "scope", "period", "limit", "spent", "reserved", "remaining", "projected"]
    table(sys.stdout, columns, [_status_row(s) for s in statuses])
    print(f"store: {ledger.store.describe()}; durability: {ledger.store.durability}")
    return 0


def _status_dict(status: Any) -> dict[str, Any]:
    import attrs

    return {k: (str(v) if v is not None and not isinstance(v, int | str) else v)
            for k, v in attrs.asdict(status).items()}  # fmt: skip


def _money(value: Any) -> str:
    return "-" if value is None else f"${value:.6f}"


def _status_row(status: Any) -> dict[str, Any]:
    limit = []
    if status.limit_usd is not None:
        limit.append(f"${status.limit_usd}")
    if status.limit_tokens is not None:
        limit.append(f"{status.limit_tokens} tok")
    return {
        "budget": f"{status.name} ({status.action})",
        "scope": status.scope,
        "period": status.period,
        "limit": " / ".join(limit),
        "spent": f"{_money(status.spent_usd)} {status.spent_tokens} tok",
        "reserved": f"{_money(status.reserved_usd)} ({status.in_flight} in flight)",
        "remaining": _money(status.remaining_usd)
        if status.remaining_tokens is None
        else f"{_money(status.remaining_usd)} {status.remaining_tokens} tok",
        "projected": _money(status.projected_usd),
    }
