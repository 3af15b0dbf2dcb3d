"""A model's entry in LiteLLM's model map (``litellm.model_cost``), found LiteLLM's way.

LiteLLM resolves a model string to its map key (``anthropic/claude-sonnet-4-5`` ->
``claude-sonnet-4-5``, ``azure/gpt-4o`` -> ``azure/gpt-4o``) in ``get_model_info``. That
function also fills a missing price with 0 and may ask a local server (Ollama) about models
it does not list, so the lookup here asks for the map only, and the caller reads the raw
entry: a price LiteLLM does not state stays absent instead of becoming $0.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["CatalogEntry", "lookup"]


@attrs.frozen
class CatalogEntry:
    """A model's row of LiteLLM's map, as the map states it."""

    key: str
    fields: Mapping[str, Any] = attrs.field(repr=False)

    def number(self, name: str) -> float | None:
        value = self.fields.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    def count(self, name: str) -> int | None:
        value = self.fields.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        return None


def _model_info(litellm: Any, model: str, provider: str | None) -> Any:
    helper = getattr(getattr(litellm, "utils", None), "get_model_info_helper", None)
    if helper is not None and "catalog_only" in inspect.signature(helper).parameters:
        return helper(model=model, custom_llm_provider=provider, catalog_only=True)
    return litellm.get_model_info(model=model, custom_llm_provider=provider)


def lookup(litellm: Any, model: str, provider: str | None = None) -> CatalogEntry | None:
    """The map entry LiteLLM uses for ``model``, or None when the map does not list it."""
    try:
        info = _model_info(litellm, model, provider)
    except Exception:
        return None
    key = info.get("key") if isinstance(info, Mapping) else None
    if not isinstance(key, str):
        return None
    fields = litellm.model_cost.get(key)
    if not isinstance(fields, Mapping):
        return None
    return CatalogEntry(key, fields)
