"""The model catalog: what each installed plugin knows about the models it serves.

A plugin answers the ``orchestify_model_catalog(provider_type, models)`` hook with
:class:`CatalogEntry` records built from its own model table, its SDK's own data and
genai-prices, without a config, a key or a network. ``orchestify models`` lists them; the
core reads them to warn once about a configured model that is deprecated or near its end of
life (:mod:`orchestify_core.lifecycle`).

Which source wins, the same for every first-party plugin:

- **Prices**: what the provider would charge with no config, i.e. the plugin's pricing
  hook (genai-prices for Claude and OpenAI, LiteLLM's cost map for LiteLLM). A configured
  provider's ``prices:`` override wins over both (``orchestify models --provider ID``
  shows it with the source ``config``), as in :meth:`LLMProvider.price`.
- **Capabilities and limits**: exactly what the plugin's capability hook declares, so the
  catalog shows what orchestify enforces.
- **Lifecycle** (deprecated, end of life, replacement): the SDK's own data first (the
  provider's own list: anthropic's ``DEPRECATED_MODELS``, openai's ``ChatModel``
  deprecation notes, LiteLLM's ``deprecation_date`` / ``successor_model``), then
  genai-prices' ``deprecated`` flag for a model the SDK says nothing about.
  ``lifecycle_source`` names the source used.

No offline source records *when* a model was deprecated, only that it is and when it
stops working, so an entry has ``deprecated`` (a flag) and ``end_of_life`` (a date).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from .models import ModelCapabilities
from .tokens import ModelPrice

__all__ = ["CatalogEntry", "package_version", "price_json"]

_VERSION = re.compile(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@attrs.frozen
class CatalogEntry:
    """One model as a plugin knows it.

    Attributes:
        model: The model id a config or a call names.
        provider_type: The plugin's type (``anthropic``, ``openai``, ``litellm``...).
        capabilities: What the plugin's capability hook declares for it (the context window
            and output limit included; ``known=False`` for permissive guesses).
        price: The price per million tokens with its ``source``, or None (unpriced).
        deprecated: The provider has deprecated the model (it still answers until
            ``end_of_life``).
        end_of_life: The date from which the provider stops serving it, if announced.
        lifecycle_source: Where ``deprecated`` and ``end_of_life`` come from.
        replacement: A current model the source suggests instead, if it names one.
        backend: The service behind the model when the plugin reaches several (LiteLLM's
            ``litellm_provider``); None otherwise.
        listed_by: The sources that list the model (the SDK, the plugin's table,
            genai-prices...), for a reader wondering why a model is there.
    """

    model: str
    provider_type: str
    capabilities: ModelCapabilities
    price: ModelPrice | None = None
    deprecated: bool = False
    end_of_life: date | None = None
    lifecycle_source: str | None = None
    replacement: str | None = None
    backend: str | None = None
    listed_by: tuple[str, ...] = ()

    @property
    def context_window(self) -> int | None:
        return self.capabilities.context_window

    @property
    def max_output_tokens(self) -> int | None:
        return self.capabilities.max_output_tokens

    @property
    def price_source(self) -> str | None:
        return self.price.source if self.price is not None else None

    @property
    def retiring(self) -> bool:
        """Deprecated, or with an end of life announced (passed or to come)."""
        return self.deprecated or self.end_of_life is not None

    def days_left(self, today: date) -> int | None:
        """Days until the end of life (negative once it has passed), None when unknown."""
        return None if self.end_of_life is None else (self.end_of_life - today).days

    def to_json(self) -> dict[str, Any]:
        """The entry with the field names ``orchestify models --json`` documents."""
        caps = self.capabilities
        return {
            "model": self.model,
            "provider_type": self.provider_type,
            "backend": self.backend,
            "context_window": caps.context_window,
            "max_output_tokens": caps.max_output_tokens,
            "capabilities": {
                "tools": caps.tools,
                "vision": caps.vision,
                "thinking": caps.thinking,
                "code_execution": caps.code_execution,
                "streaming": caps.streaming,
                "known": caps.known,
            },
            "price_per_mtok": price_json(self.price),
            "price_source": self.price_source,
            "deprecated": self.deprecated,
            "end_of_life": None if self.end_of_life is None else self.end_of_life.isoformat(),
            "lifecycle_source": self.lifecycle_source,
            "replacement": self.replacement,
            "listed_by": list(self.listed_by),
        }


def _text(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _rates(price: ModelPrice) -> dict[str, Any]:
    return {
        "input": _text(price.input_per_mtok),
        "output": _text(price.output_per_mtok),
        "cache_read": _text(price.cache_read_per_mtok),
        "cache_write": _text(price.cache_write_per_mtok),
    }


def price_json(price: ModelPrice | None) -> dict[str, Any] | None:
    """A price per million tokens as exact decimal strings (``"3"``, ``"0.3"``), or None.

    A tiered price (genai-prices' long-context rates) adds ``tiers``: each band's rates
    and ``above_input_tokens``, the input size from which a call pays them on every token.
    """
    if price is None:
        return None
    rates = _rates(price)
    tiers: tuple[tuple[int, ModelPrice], ...] = getattr(price, "tiers", ())
    if tiers:
        rates["tiers"] = [{"above_input_tokens": t, **_rates(band)} for t, band in tiers]
    return rates


def package_version(package: str) -> str:
    """The installed version of ``package`` (a catalog names the data's source by it),
    without importing it: its ``__version__`` once imported, else the one its
    ``_version.py`` states (parsing the installed metadata costs about 10 ms), else the
    metadata's."""
    version = getattr(sys.modules.get(package), "__version__", None)
    if isinstance(version, str):
        return version
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        try:
            stated = _VERSION.search((Path(folder) / "_version.py").read_text("utf-8"))
        except OSError:
            continue
        if stated is not None:
            return stated[1]
    from importlib import metadata  # about 15 ms to import: only when the files say nothing

    return metadata.version(package)
