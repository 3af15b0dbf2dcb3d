"""Prices from LiteLLM's own cost map.

``input_cost_per_token``, ``output_cost_per_token``, ``cache_read_input_token_cost`` and
``cache_creation_input_token_cost`` (USD per token) become a :class:`ModelPrice` per million
tokens, with the source ``litellm <version> cost map``. A model the map does not list, or
lists without an input or output price, is *unpriced* (None): its calls are accounted as
unpriced, never as $0. A price of 0 that the map states (local Ollama models) is a real
price. Prices in the provider's YAML ``prices:`` win over these (the core applies them
before asking the plugin). Tiered prices (above 200k tokens) and batch prices are not used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orchestify_core.models import ModelPrice

from ._catalog import CatalogEntry, lookup

__all__ = ["price", "price_of_entry"]

_MILLION = Decimal(1_000_000)


def _per_mtok(per_token: float | None) -> Decimal | None:
    if per_token is None:
        return None
    return Decimal(repr(per_token)) * _MILLION


def price_of_entry(entry: CatalogEntry, version: str) -> ModelPrice | None:
    """The price a map entry states, or None when it lacks an input or output price."""
    input_price = _per_mtok(entry.number("input_cost_per_token"))
    output_price = _per_mtok(entry.number("output_cost_per_token"))
    if input_price is None or output_price is None:
        return None
    return ModelPrice(
        input_per_mtok=input_price,
        output_per_mtok=output_price,
        cache_read_per_mtok=_per_mtok(entry.number("cache_read_input_token_cost")),
        cache_write_per_mtok=_per_mtok(entry.number("cache_creation_input_token_cost")),
        source=f"litellm {version} cost map",
    )


def price(litellm: Any, model: str, version: str, provider: str | None = None) -> ModelPrice | None:
    """The price of ``model`` (served by ``provider`` when the config names one) in
    LiteLLM's cost map, or None (unpriced)."""
    entry = lookup(litellm, model, provider)
    return price_of_entry(entry, version) if entry is not None else None
