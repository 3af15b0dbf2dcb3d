"""Model prices (and context windows) from the genai-prices snapshot bundled with the package.

Only the bundled data is read: a snapshot that an application may have installed through
genai-prices' updater is ignored, and nothing is ever fetched. genai-prices matches dated
ids and fine-tunes to their model (``gpt-4o-2024-08-06`` -> ``gpt-4o``).

genai-prices knows tiered prices (a higher rate past some prompt size) and prices that
change on a date. The price returned is the one in force now, at its base tier; the
``source`` says so when a tier was left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from orchestify_core.models import ModelPrice

if TYPE_CHECKING:
    from genai_prices.types import ModelInfo, Provider, TieredPrices

__all__ = ["context_window", "price"]

_PROVIDER_ID = "openai"


@cache
def _snapshot() -> tuple[list[Provider], Provider, str]:
    from importlib.metadata import version

    from genai_prices.data import providers

    openai = next(p for p in providers if p.id == _PROVIDER_ID)
    return providers, openai, version("genai-prices")


def _model_info(model: str) -> ModelInfo | None:
    providers, openai, _ = _snapshot()
    return openai.find_model(model, all_providers=providers)


def _base(value: Decimal | TieredPrices | None) -> tuple[Decimal | None, bool]:
    """The base price of a value, and whether tiers were left out."""
    if value is None or isinstance(value, Decimal):
        return value, False
    return value.base, bool(value.tiers)


def price(model: str, *, now: datetime | None = None) -> ModelPrice | None:
    """The price of ``model`` per million tokens, or None when genai-prices has no price
    for its text tokens."""
    info = _model_info(model)
    if info is None:
        return None
    prices = info.get_prices(now or datetime.now(UTC))
    input_price, tiered_in = _base(prices.input_mtok)
    output_price, tiered_out = _base(prices.output_mtok)
    if input_price is None or output_price is None:
        return None
    cache_read, tiered_read = _base(prices.cache_read_mtok)
    cache_write, tiered_write = _base(prices.cache_write_mtok)
    _, _, version = _snapshot()
    source = f"genai-prices {version}"
    if tiered_in or tiered_out or tiered_read or tiered_write:
        source += " (base tier)"
    return ModelPrice(
        input_per_mtok=input_price,
        output_per_mtok=output_price,
        cache_read_per_mtok=cache_read,
        cache_write_per_mtok=cache_write,
        source=source,
    )


def context_window(model: str) -> int | None:
    """The context window genai-prices gives for ``model``, if any."""
    info = _model_info(model)
    return info.context_window if info is not None else None
