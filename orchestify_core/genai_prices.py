"""Prices and context windows from the snapshot bundled with genai-prices, for any provider.

Plugins whose distribution depends on ``genai-prices`` call :func:`price_for` from their
pricing hook and :func:`context_window` from their capability hook. The core itself does
not depend on genai-prices: this module imports it on first use.

Only the snapshot shipped inside the installed genai-prices wheel is read: nothing is
fetched, and a snapshot an application installed at run time (genai-prices'
``UpdatePrices``) is ignored, so a price's ``source`` always names the wheel's version.

genai-prices gives each price key (input, output, cache read, cache write) either a flat
price or a ``TieredPrices``: a base price and higher prices that apply to *every* token of
a call once its input tokens (cache reads and writes included) pass a threshold, e.g. 200k
for Claude Sonnet 4.5. A flat price becomes a plain :class:`ModelPrice`; a tiered one a
:class:`TieredModelPrice`, whose ``cost`` picks the band from the call's input tokens.

Batch prices: ``price_for(..., batch=True)`` reads the model's ``processing: batch`` price
variant (Anthropic's Message Batches, OpenAI's Batch API), and is None when the model has
none in force.

One-hour cache writes (Anthropic's ``cache_write_1h_mtok``) are priced at their own rate,
``ModelPrice.cache_write_1h_per_mtok``.

Not modelled: ``speed="fast"`` and service-tier price variants and server-tool fees such as
web searches.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from .models import ModelPrice, Usage

if TYPE_CHECKING:
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import ModelInfo, TieredPrices
    from genai_prices.types import ModelPrice as GenaiPrice

__all__ = ["TieredModelPrice", "context_window", "find_model", "price_for", "snapshot_version"]

_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")


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


@functools.cache
def _snapshot() -> DataSnapshot:
    from genai_prices.data import providers
    from genai_prices.data_snapshot import DataSnapshot

    return DataSnapshot(providers=providers, from_auto_update=False)


@functools.cache
def snapshot_version() -> str:
    """The version of the installed genai-prices, which dates its bundled snapshot."""
    from importlib.metadata import version

    return version("genai-prices")


@functools.cache
def find_model(provider: str, model: str) -> ModelInfo | None:
    """genai-prices' record of ``model`` of ``provider`` (its id there: ``anthropic``,
    ``openai``...), or None when it has none. Dated ids match their model."""
    try:
        _, info = _snapshot().find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    return info


def context_window(provider: str, model: str) -> int | None:
    """The model's context window as genai-prices records it."""
    info = find_model(provider, model)
    return info.context_window if info is not None else None


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
    input_rate, output_rate, cache_read_rate, cache_write_rate, write_1h_rate = rates
    if input_rate is None or output_rate is None:
        return None
    return ModelPrice(
        input_per_mtok=input_rate,
        output_per_mtok=output_rate,
        cache_read_per_mtok=cache_read_rate,
        cache_write_per_mtok=cache_write_rate,
        source=source,
        cache_write_1h_per_mtok=write_1h_rate,
    )


def _thresholds(prices: GenaiPrice) -> list[int]:
    starts: set[int] = set()
    for key in _KEYS:
        tiers = getattr(getattr(prices, key, None), "tiers", None)
        if tiers:
            starts.update(tier.start for tier in tiers)
    return sorted(starts)


_BATCH = {"processing": "batch"}


def _has_batch_variant(info: ModelInfo, at: datetime) -> bool:
    return any(
        variant.when == _BATCH and (variant.constraint is None or variant.constraint.active(at))
        for variant in info.price_variants or ()
    )


def price_for(
    provider: str, model: str, *, at: datetime | None = None, batch: bool = False
) -> ModelPrice | None:
    """The price of ``model`` (as of ``at``, default now), or None when it has none.

    None means *unpriced*: the model is unknown to genai-prices, or its input or output
    token price is missing. With ``batch=True``, the model's batch price, or None when
    genai-prices has no batch price of the model in force at ``at``.
    """
    info = find_model(provider, model)
    if info is None:
        return None
    when = at or datetime.now(tz=UTC)
    if batch and not _has_batch_variant(info, when):
        return None
    prices = info.get_prices(when, _BATCH if batch else None)
    source = f"genai-prices {snapshot_version()}" + (" batch" if batch else "")
    base = _flat(prices, None, source)
    if base is None:
        return None
    bands = [
        (threshold, band)
        for threshold in _thresholds(prices)
        if (band := _flat(prices, threshold, source)) is not None
    ]
    if not bands:
        return base
    return TieredModelPrice(
        input_per_mtok=base.input_per_mtok,
        output_per_mtok=base.output_per_mtok,
        cache_read_per_mtok=base.cache_read_per_mtok,
        cache_write_per_mtok=base.cache_write_per_mtok,
        source=source,
        cache_write_1h_per_mtok=base.cache_write_1h_per_mtok,
        tiers=tuple(bands),
    )
