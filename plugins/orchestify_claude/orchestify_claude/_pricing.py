"""Claude prices per million tokens, from the snapshot bundled with genai-prices.

genai-prices gives each price key (input, output, cache read, cache write) either a flat
price or a :class:`~genai_prices.types.TieredPrices`: a base price and higher prices that
apply to *every* token of a call once its input tokens (cache reads and writes included)
pass a threshold, e.g. 200k for Claude Sonnet 4.5. A flat price becomes a plain
:class:`~orchestify_core.ModelPrice`; a tiered one a :class:`TieredModelPrice`, whose
``cost`` picks the band from the call's input tokens, so long-context calls are charged at
the long-context rate.

Not modelled: batch and ``speed="fast"`` price variants, 1-hour cache writes (priced as
5-minute ones, the kind the core's usage counts) and server-tool fees such as web searches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from orchestify_core import ModelPrice, Usage

from ._catalog import find_model, snapshot_version

if TYPE_CHECKING:
    from genai_prices.types import ModelPrice as GenaiPrice
    from genai_prices.types import TieredPrices

__all__ = ["TieredModelPrice", "price_for"]

_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok")


@attrs.frozen
class TieredModelPrice(ModelPrice):
    """A price whose rates rise with the size of the call's input.

    The inherited rates are the base band. ``tiers`` holds ``(threshold, band)`` pairs in
    increasing order: a call with more than ``threshold`` input tokens pays all of its
    tokens at that band's rates.
    """

    tiers: tuple[tuple[int, ModelPrice], ...] = ()

    def band(self, input_tokens: int) -> ModelPrice:
        """The flat price that applies to a call with ``input_tokens`` input tokens."""
        chosen: ModelPrice = self
        for threshold, band in self.tiers:
            if input_tokens > threshold:
                chosen = band
        return chosen

    def cost(self, usage: Usage) -> Decimal:
        band = self.band(usage.input_tokens)
        if band is self:
            return super().cost(usage)
        return band.cost(usage)


def _rate(value: Decimal | TieredPrices | None, threshold: int | None) -> Decimal | None:
    """The rate of one price key in the band that starts above ``threshold``."""
    if value is None or isinstance(value, Decimal):
        return value
    rate = value.base
    if threshold is not None:
        for tier in value.tiers:
            if tier.start <= threshold:
                rate = tier.price
    return rate


def _flat(prices: GenaiPrice, threshold: int | None, source: str) -> ModelPrice | None:
    rates = [_rate(getattr(prices, key, None), threshold) for key in _KEYS]
    input_rate, output_rate, cache_read_rate, cache_write_rate = rates
    if input_rate is None or output_rate is None:
        return None
    return ModelPrice(
        input_per_mtok=input_rate,
        output_per_mtok=output_rate,
        cache_read_per_mtok=cache_read_rate,
        cache_write_per_mtok=cache_write_rate,
        source=source,
    )


def _thresholds(prices: GenaiPrice) -> list[int]:
    starts: set[int] = set()
    for key in _KEYS:
        value = getattr(prices, key, None)
        tiers = getattr(value, "tiers", None)
        if tiers:
            starts.update(tier.start for tier in tiers)
    return sorted(starts)


def price_for(model: str, *, at: datetime | None = None) -> ModelPrice | None:
    """The price of ``model`` (as of ``at``, default now), or None when it has none.

    None means *unpriced*: the model is unknown to genai-prices, or its input or output
    token price is missing.
    """
    info = find_model(model)
    if info is None:
        return None
    prices = info.get_prices(at or datetime.now(tz=UTC))
    source = f"genai-prices {snapshot_version()}"
    base = _flat(prices, None, source)
    if base is None:
        return None
    thresholds = _thresholds(prices)
    if not thresholds:
        return base
    bands: list[tuple[int, ModelPrice]] = []
    for threshold in thresholds:
        band = _flat(prices, threshold, source)
        if band is not None:
            bands.append((threshold, band))
    return TieredModelPrice(
        input_per_mtok=base.input_per_mtok,
        output_per_mtok=base.output_per_mtok,
        cache_read_per_mtok=base.cache_read_per_mtok,
        cache_write_per_mtok=base.cache_write_per_mtok,
        source=source,
        tiers=tuple(bands),
    )
