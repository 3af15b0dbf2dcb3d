"""Anthropic's models in the price snapshot bundled with genai-prices.

Only the snapshot shipped inside the installed genai-prices wheel is read: nothing is
fetched, and a snapshot that an application installed at run time (genai-prices'
``UpdatePrices``) is ignored, so a price's ``source`` always names the wheel's version.
genai-prices is imported on first use, not when the plugin loads.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import ModelInfo

__all__ = ["PROVIDER_ID", "context_window", "find_model", "snapshot_version"]

PROVIDER_ID = "anthropic"


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
def find_model(model: str) -> ModelInfo | None:
    """genai-prices' record of an Anthropic model, or None when it has none."""
    try:
        _, info = _snapshot().find_provider_model(model, None, PROVIDER_ID, None)
    except LookupError:
        return None
    return info


def context_window(model: str) -> int | None:
    """The model's context window as genai-prices records it."""
    info = find_model(model)
    return info.context_window if info is not None else None
