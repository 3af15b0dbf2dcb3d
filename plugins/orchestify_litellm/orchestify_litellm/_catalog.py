"""The ``litellm`` type's model catalog, for ``orchestify models`` and deprecation warnings.

Everything comes from LiteLLM's model map, the one the plugin prices and checks calls with:
its entries whose ``mode`` is ``chat``, ``completion`` or ``responses`` (what
``litellm.acompletion`` serves), each under its map key (``claude-sonnet-4-5``,
``azure/gpt-4o``, ``bedrock/...``), with ``backend`` its ``litellm_provider``.

- capabilities and limits: ``supports_function_calling``, ``supports_vision``,
  ``supports_reasoning``, ``max_input_tokens`` and ``max_output_tokens`` as the map states
  them (a provider checks calls through LiteLLM's ``supports_*`` functions, which read the
  same fields);
- price: the map's per-token prices per million tokens, the plugin's price
  (``litellm <version> cost map``);
- lifecycle: the map's ``deprecation_date`` is the day the backend stops serving the model
  (for ``claude-sonnet-4-5`` it is anthropic's end-of-life date), read as ``end_of_life``
  with ``deprecated`` true; ``successor_model`` is the replacement (some current models
  name one too).

Listing the catalog does not import litellm (seconds): the map is read from the JSON file
litellm ships, which is the map litellm loads with ``LITELLM_LOCAL_MODEL_COST_MAP=True``
(the plugin's default), with its alias rows expanded as litellm does. Once litellm is
imported, its live ``litellm.model_cost`` is read, and a model is found LiteLLM's way
(``anthropic/claude-sonnet-4-5`` -> its map key).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from orchestify_core.plugin import CatalogEntry, ModelCapabilities, json_loads

from . import _models

__all__ = ["CHAT_MODES", "PROVIDER_TYPE", "catalog", "model_map"]

PROVIDER_TYPE = "litellm"
#: The map modes whose models ``litellm.acompletion`` serves.
CHAT_MODES = frozenset({"chat", "completion", "responses"})
_MAP_FILE = "model_prices_and_context_window_backup.json"


@functools.cache
def _bundled_map() -> Mapping[str, Any]:
    spec = importlib.util.find_spec("litellm")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ImportError("litellm is not installed")
    data = json_loads((Path(next(iter(locations))) / _MAP_FILE).read_bytes())
    if not isinstance(data, Mapping):
        raise ValueError(f"litellm's {_MAP_FILE} is not a JSON object")
    return _with_aliases(data)


def _with_aliases(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The map as litellm serves it: a row whose ``alias_of`` names another row is that
    row, and a row's ``aliases`` are further names for it (a name already taken stays)."""
    rows = {name: row for name, row in raw.items()
            if isinstance(row, Mapping) and not isinstance(row.get("alias_of"), str)}  # fmt: skip
    for name, row in raw.items():
        target = row.get("alias_of") if isinstance(row, Mapping) else None
        if isinstance(target, str) and target in rows:
            rows.setdefault(name, rows[target])
    for row in list(rows.values()):
        aliases = row.get("aliases")
        for alias in aliases if isinstance(aliases, list) else ():
            if isinstance(alias, str):
                rows.setdefault(alias, row)
    return rows


def model_map() -> Mapping[str, Any]:
    """LiteLLM's model map: the live one once litellm is imported, else the bundled file."""
    litellm = sys.modules.get("litellm")
    live = getattr(litellm, "model_cost", None)
    return live if isinstance(live, Mapping) and live else _bundled_map()


@functools.cache
def _version() -> str:
    return importlib.metadata.version("litellm")


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _entry(model: str, key: str, fields: Mapping[str, Any], lifecycle_only: bool) -> CatalogEntry:
    row = _models.CatalogEntry(key, fields)
    end = _day(fields.get("deprecation_date"))
    source = f"litellm {_version()} cost map"
    capabilities = ModelCapabilities(
        tools=fields.get("supports_function_calling") is True,
        vision=fields.get("supports_vision") is True,
        thinking=fields.get("supports_reasoning") is True,
        context_window=row.count("max_input_tokens"),
        max_output_tokens=row.count("max_output_tokens"),
    )
    return CatalogEntry(
        model=model,
        provider_type=PROVIDER_TYPE,
        capabilities=capabilities,
        price=None if lifecycle_only else _models.price_of_entry(row, _version()),
        deprecated=end is not None,
        end_of_life=end,
        lifecycle_source=source if end is not None else None,
        replacement=_text(fields.get("successor_model")),
        backend=_text(fields.get("litellm_provider")),
        listed_by=(source,),
    )


def _key_of(model: str, entries: Mapping[str, Any]) -> str | None:
    """The map key of ``model``: LiteLLM's own lookup once it is imported; otherwise the
    key itself, or the key after a ``backend/`` prefix naming that entry's backend."""
    litellm = sys.modules.get("litellm")
    if litellm is not None:
        found = _models.lookup(litellm, model)
        return found.key if found is not None else None
    if isinstance(entries.get(model), Mapping):
        return model
    backend, sep, rest = model.partition("/")
    fields = entries.get(rest) if sep else None
    if isinstance(fields, Mapping) and fields.get("litellm_provider") == backend:
        return rest
    return None


def catalog(models: Sequence[str] | None, lifecycle_only: bool = False) -> list[CatalogEntry]:
    """The catalog (every chat model of the map, sorted), or the entries of ``models``."""
    entries = model_map()
    if models is None:
        return [
            _entry(key, key, fields, lifecycle_only)
            for key, fields in sorted(entries.items())
            if isinstance(fields, Mapping) and fields.get("mode") in CHAT_MODES
        ]
    found = []
    for model in dict.fromkeys(models):
        key = _key_of(model, entries)
        if key is not None and isinstance(entries.get(key), Mapping):
            found.append(_entry(model, key, entries[key], lifecycle_only))
    return found
