"""``orchestify usage --html``: one self-contained page of charts (inline SVG, no scripts,
nothing fetched): spend per day per provider and per agent, stacked bars."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from decimal import Decimal

from .store import AttemptRow

__all__ = ["render"]

_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip
_WIDTH, _HEIGHT, _LEFT, _BOTTOM = 860, 280, 70, 40


def _per_day(rows: Sequence[AttemptRow], key: str) -> dict[str, dict[str, Decimal]]:
    days: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        day = dt.datetime.fromtimestamp(row.time, dt.UTC).strftime("%Y-%m-%d")
        group = (row.provider_id if key == "provider" else row.agent) or "(none)"
        bucket = days.setdefault(day, {})
        bucket[group] = bucket.get(group, Decimal(0)) + (row.cost or Decimal(0))
    return dict(sorted(days.items()))


def _chart(title: str, days: dict[str, dict[str, Decimal]]) -> str:
    groups = sorted({g for values in days.values() for g in values})
    colour = {g: _COLOURS[i % len(_COLOURS)] for i, g in enumerate(groups)}
    top = max((sum(values.values(), Decimal(0)) for values in days.values()), default=Decimal(0))
    scale = float(top) or 1.0
    plot_w, plot_h = _WIDTH - _LEFT - 10, _HEIGHT - _BOTTOM - 20
    step = plot_w / max(len(days), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="{_LEFT}" y="14" font-size="13">{html.escape(title)} '
             f'(max ${top:.4f}/day)</text>',
             f'<line x1="{_LEFT}" y1="{20 + plot_h}" x2="{_WIDTH - 10}" y2="{20 + plot_h}" '
             'stroke="#888"/>']  # fmt: skip
    for index, (day, values) in enumerate(days.items()):
        x, base = _LEFT + index * step + 2, float(20 + plot_h)
        for group in groups:
            value = float(values.get(group, 0))
            height = value / scale * plot_h
            base -= height
            label = f"{html.escape(day)} {html.escape(group)}: ${value:.6f}"
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{max(step - 4, 1):.1f}" '
                         f'height="{height:.1f}" fill="{colour[group]}"><title>{label}'
                         "</title></rect>")  # fmt: skip
        if len(days) <= 31:
            parts.append(f'<text x="{x:.1f}" y="{_HEIGHT - 22}" font-size="9">{day[5:]}</text>')
    legend = "".join(
        f'<span style="color:{colour[g]}">&#9632;</span> {html.escape(g)} ' for g in groups
    )
    return "".join(parts) + f"</svg><p>{legend}</p>"


def render(rows: Sequence[AttemptRow]) -> str:
    """The page for ``rows``."""
    total = sum((row.cost or Decimal(0) for row in rows), Decimal(0))
    unpriced = sum(1 for row in rows if row.cost is None)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>orchestify usage</title>"
        "<style>body{font-family:sans-serif;margin:2em}</style></head><body>"
        f"<h1>orchestify usage</h1><p>{len(rows)} attempts, ${total} spent"
        f"{f', {unpriced} unpriced' if unpriced else ''}.</p>"
        f"<h2>Spend per day per provider</h2>{_chart('per provider', _per_day(rows, 'provider'))}"
        f"<h2>Spend per day per agent</h2>{_chart('per agent', _per_day(rows, 'agent'))}"
        "</body></html>"
    )
