"""The model catalog: which models a provider serves, what they can do, what they cost,
all as LiteLLM's model map (``litellm.model_cost``) says.

**Models.** Any model string LiteLLM routes is accepted (see ``_routing``); one it cannot
place is refused unless the provider has a ``base_url``.

**Capabilities.** A model the map lists is ``known``: tools from
``supports_function_calling``, vision from ``supports_vision``, thinking from
``supports_reasoning`` (through LiteLLM's own ``supports_*`` functions, which also read the
provider-level defaults), the context window from ``max_input_tokens`` and the output limit
from ``max_output_tokens``. A model it does not list (a local model, a fine-tune, a new
release) is ``known=False`` with permissive guesses, so the core refuses nothing on them.

**Prices.** LiteLLM's own cost map is the price source: ``input_cost_per_token``,
``output_cost_per_token``, ``cache_read_input_token_cost`` and
``cache_creation_input_token_cost`` (USD per token), per million tokens, with the source
``litellm <version> cost map``. A model the map does not list, or lists without an input
or output price, is *unpriced* (None), never $0; a price of 0 the map states (local Ollama
models) is a real price. YAML ``prices:`` win (the core applies them before asking).
Tiered and batch prices are not used.

The map entry is found LiteLLM's way (``anthropic/claude-sonnet-4-5`` ->
``claude-sonnet-4-5``, ``azure/gpt-4o`` -> ``azure/gpt-4o``), asking for the map only: the
raw entry is read, so a price LiteLLM does not state stays absent instead of becoming $0,
and no local server is asked about a model the map does not list.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from orchestify_core.plugin import ModelCapabilities, ModelPrice

if TYPE_CHECKING:
    from ._client import LiteLLMClient

__all__ = [
    "UNKNOWN",
    "CatalogEntry",
    "capabilities_for",
    "lookup",
    "price_for",
    "price_of_entry",
    "supports",
    "validate_model",
]

UNKNOWN = ModelCapabilities(tools=True, vision=True, thinking=True, streaming=True, known=False)
_MILLION = Decimal(1_000_000)


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


def supports(litellm: Any, feature: str, model: str, provider: str | None) -> bool:
    """LiteLLM's ``supports_<feature>(model)``, False when it cannot tell."""
    check = getattr(litellm, f"supports_{feature}", None)
    if check is None:
        return False
    try:
        return bool(check(model=model, custom_llm_provider=provider))
    except Exception:
        return False


def validate_model(client: LiteLLMClient, model: str) -> None:
    """Raise RequestValidationError when LiteLLM cannot tell which backend serves
    ``model`` (see :meth:`LiteLLMClient.route`)."""
    client.route(model)


def capabilities_for(client: LiteLLMClient, model: str) -> ModelCapabilities:
    """The capabilities of ``model``; ``known=False`` when LiteLLM's map does not list it."""
    litellm, provider = client.litellm, client.settings.custom_llm_provider
    entry = lookup(litellm, model, provider)
    if entry is None:
        return UNKNOWN
    return ModelCapabilities(
        tools=supports(litellm, "function_calling", model, provider),
        vision=supports(litellm, "vision", model, provider),
        thinking=supports(litellm, "reasoning", model, provider),
        streaming=True,
        context_window=entry.count("max_input_tokens"),
        max_output_tokens=entry.count("max_output_tokens"),
        known=True,
    )


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
        cache_write_1h_per_mtok=_per_mtok(
            entry.number("cache_creation_input_token_cost_above_1hr")
        ),
    )


def price_for(client: LiteLLMClient, model: str) -> ModelPrice | None:
    """The price of ``model`` in LiteLLM's cost map (for the provider the config names,
    if any), or None (unpriced)."""
    entry = lookup(client.litellm, model, client.settings.custom_llm_provider)
    return price_of_entry(entry, client.version) if entry is not None else None
