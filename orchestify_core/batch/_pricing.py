"""The price of a batch item: what the plugin states about its batch API, applied.

The rule (docs/batches.md): the config's ``prices:`` override times the plugin's
``price_factor`` when the config overrides the model; else the plugin's batch price from its
price data (genai-prices' batch variant); else the standard price times ``price_factor``.
A plugin that states nothing (no ``orchestify_batch_pricing``) has its items priced at the
standard price: a batch is never accounted as cheaper than anyone said it is.
"""

from __future__ import annotations

import logging
import weakref
from decimal import Decimal
from typing import TYPE_CHECKING

from ..genai_prices import TieredModelPrice
from ..models import ModelPrice
from ._records import BatchPricing

if TYPE_CHECKING:
    from ..context import ProviderContext
    from ..provider import LLMProvider

__all__ = ["batch_price", "scaled"]

logger = logging.getLogger("orchestify_core.batch")

_cache: weakref.WeakKeyDictionary[ProviderContext, dict[str, ModelPrice | None]] = (
    weakref.WeakKeyDictionary()
)


def scaled(price: ModelPrice, factor: Decimal, source: str) -> ModelPrice:
    """``price`` with every rate (and every tier's) multiplied by ``factor``."""

    def rate(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * factor

    def flat(band: ModelPrice) -> ModelPrice:
        return ModelPrice(
            input_per_mtok=band.input_per_mtok * factor,
            output_per_mtok=band.output_per_mtok * factor,
            cache_read_per_mtok=rate(band.cache_read_per_mtok),
            cache_write_per_mtok=rate(band.cache_write_per_mtok),
            source=source,
        )

    if isinstance(price, TieredModelPrice):
        base = flat(price)
        return TieredModelPrice(
            input_per_mtok=base.input_per_mtok,
            output_per_mtok=base.output_per_mtok,
            cache_read_per_mtok=base.cache_read_per_mtok,
            cache_write_per_mtok=base.cache_write_per_mtok,
            source=source,
            tiers=tuple((threshold, flat(band)) for threshold, band in price.tiers),
        )
    return flat(price)


def batch_price(provider: LLMProvider, model: str) -> ModelPrice | None:
    """The batch price of ``model`` on ``provider`` (cached per provider and model)."""
    context = provider._context
    prices = _cache.setdefault(context, {})
    if model not in prices:
        prices[model] = _work_out(provider, model)
    return prices[model]


def _work_out(provider: LLMProvider, model: str) -> ModelPrice | None:
    standard = provider.price(model)
    stated: BatchPricing | None = provider._hooks.orchestify_batch_pricing(
        provider=provider._context, model=model
    )
    if stated is None:
        if standard is not None:
            logger.info(
                "provider %s: its plugin states no batch price; batch items of %s are "
                "accounted at the standard price",
                provider.provider_id,
                model,
            )
        return standard
    factor = stated.price_factor
    overridden = provider.config.price_override(model)
    if overridden is not None:
        return scaled(overridden, factor, f"config x {factor} (batch)")
    if stated.price is not None:
        return stated.price
    if standard is None:
        return None
    return scaled(standard, factor, f"{standard.source} x {factor} (batch)")
