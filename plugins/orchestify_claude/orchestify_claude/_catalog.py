"""The ``anthropic`` type's model catalog, for ``orchestify models`` and deprecation warnings.

The models listed are the union of the anthropic SDK's own ``Model`` type (every id it
declares), its ``DEPRECATED_MODELS`` (id -> end-of-life date) and the families of this
plugin's table (``_models``). For each:

- capabilities and limits: :func:`_models.capabilities_for`, what the plugin enforces;
- price: :func:`_models.price_for` (genai-prices);
- lifecycle: the SDK's ``DEPRECATED_MODELS`` (the provider's own list) wins; genai-prices'
  ``deprecated`` flag is used for a model the SDK does not list as deprecated;
- replacement: the newest model of the same line (``sonnet``, ``opus``, ``haiku``...) that
  the SDK declares and does not deprecate, e.g. ``claude-sonnet-4-5`` -> the highest
  ``claude-sonnet-N-M``. The SDK names none itself; this is the obvious successor.

The SDK's two data modules are plain literals, read from their files without importing the
SDK (``import anthropic`` takes about a second); when the SDK is already imported its
modules are used directly.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any, get_args

from orchestify_core.plugin import CatalogEntry, ModelCapabilities, genai_prices, package_version

from . import _models

__all__ = ["PROVIDER_TYPE", "SdkModels", "catalog", "deprecated_models", "sdk_models"]

PROVIDER_TYPE = "anthropic"
_TABLE = "orchestify-claude table"
_SDK_DATE = re.compile(r"([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,\s*(\d{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}  # fmt: skip
_VERSIONED = re.compile(r"claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?$")
#: The capabilities of a lifecycle-only entry: not looked up (the caller reads none).
_LIFECYCLE_ONLY = ModelCapabilities(tools=True, vision=True, thinking=True, known=False)


class SdkModels:
    """What the installed anthropic SDK declares: its model ids and deprecations."""

    def __init__(self, version: str, models: tuple[str, ...], deprecated: dict[str, date]):
        self.version = version
        self.models = models
        self.deprecated = deprecated


def _load_file(package_dir: Path, relative: str, name: str) -> ModuleType:
    """A module of the SDK run from its file, without running the SDK's ``__init__``."""
    spec = importlib.util.spec_from_file_location(name, package_dir / relative)
    if spec is None or spec.loader is None:
        raise ImportError(relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sdk_modules() -> tuple[ModuleType, ModuleType]:
    """The SDK's ``types.model`` and ``_data.deprecated_models`` modules."""
    if "anthropic" not in sys.modules:
        spec = importlib.util.find_spec("anthropic")
        locations = spec.submodule_search_locations if spec is not None else None
        if locations:
            base = Path(next(iter(locations)))
            try:
                return (
                    _load_file(base, "types/model.py", "_orchestify_anthropic_model"),
                    _load_file(base, "_data/deprecated_models.py", "_orchestify_anthropic_dep"),
                )
            except (OSError, ImportError, SyntaxError):
                pass  # a layout this version does not have: import it the usual way
    return (
        importlib.import_module("anthropic.types.model"),
        importlib.import_module("anthropic._data.deprecated_models"),
    )


def _end_of_life(text: str) -> date | None:
    """``November 30th, 2026`` (the SDK's format) -> a date; None if unreadable. (Read by
    hand: ``strptime`` costs milliseconds on its first use, in a provider's construction.)"""
    match = _SDK_DATE.fullmatch(text.strip())
    month = _MONTHS.get(match[1].lower()) if match else None
    if match is None or month is None:
        return None
    try:
        return date(int(match[3]), month, int(match[2]))
    except ValueError:
        return None


def _literals(annotation: Any) -> tuple[str, ...]:
    """The string literals of ``Union[Literal[...], str]``, in the SDK's order."""
    found: list[str] = []
    for arg in get_args(annotation):
        if isinstance(arg, str):
            found.append(arg)
        else:
            found += _literals(arg)
    return tuple(found)


@functools.cache
def sdk_models() -> SdkModels:
    """The installed SDK's model ids and deprecations (read once)."""
    model_module, deprecated_module = _sdk_modules()
    raw: dict[str, str] = deprecated_module.DEPRECATED_MODELS
    deprecated = {model: day for model, text in raw.items() if (day := _end_of_life(text))}
    return SdkModels(package_version("anthropic"), _literals(model_module.Model), deprecated)


def deprecated_models() -> dict[str, date]:
    """The SDK's deprecated models and their end-of-life dates."""
    return sdk_models().deprecated


def _version_of(model: str) -> tuple[str, tuple[int, int]] | None:
    """``claude-sonnet-4-5`` -> ``("sonnet", (4, 5))``; None for other shapes."""
    match = _VERSIONED.match(model)
    if match is None:
        return None
    return match[1], (int(match[2]), int(match[3] or 0))


@functools.cache
def _replacement(model: str) -> str | None:
    """The newest model of ``model``'s line the SDK declares and does not deprecate."""
    sdk = sdk_models()
    line = model.split("-")[1] if model.count("-") >= 1 else ""
    best: tuple[tuple[int, int], str] | None = None
    for candidate in sdk.models:
        parsed = _version_of(candidate)
        if parsed is None or parsed[0] != line or candidate in sdk.deprecated:
            continue
        if best is None or parsed[1] > best[0]:
            best = (parsed[1], candidate)
    return best[1] if best is not None else None


def _entry(model: str, listed_by: tuple[str, ...], lifecycle_only: bool) -> CatalogEntry:
    sdk = sdk_models()
    end = sdk.deprecated.get(model)
    deprecated, source = end is not None, f"anthropic {sdk.version}" if end else None
    if not deprecated and not lifecycle_only:
        info = genai_prices.find_model(_models.GENAI_PRICES_PROVIDER, model)
        if info is not None and info.deprecated:
            deprecated, source = True, f"genai-prices {genai_prices.snapshot_version()}"
    return CatalogEntry(
        model=model,
        provider_type=PROVIDER_TYPE,
        capabilities=_LIFECYCLE_ONLY if lifecycle_only else _models.capabilities_for(model),
        price=None if lifecycle_only else _models.price_for(model),
        deprecated=deprecated,
        end_of_life=end,
        lifecycle_source=source,
        replacement=_replacement(model) if deprecated else None,
        listed_by=listed_by,
    )


def _all_models() -> dict[str, tuple[str, ...]]:
    """Every model id this plugin knows, with the sources that list it."""
    sdk = sdk_models()
    sources: dict[str, list[str]] = {}
    for model in (*sdk.models, *sdk.deprecated):
        sources.setdefault(model, []).append(f"anthropic {sdk.version}")
    for family in _models.known_families():
        sources.setdefault(family, []).append(_TABLE)
    return {model: tuple(dict.fromkeys(names)) for model, names in sources.items()}


def catalog(models: Sequence[str] | None, lifecycle_only: bool = False) -> list[CatalogEntry]:
    """The catalog, or the entries of ``models`` (those that are Claude ids)."""
    if models is None:
        known = _all_models()
        return [_entry(model, known[model], lifecycle_only) for model in sorted(known)]
    return [_entry(m, _listed(m), lifecycle_only) for m in _claude_ids(models)]


def _claude_ids(models: Iterable[str]) -> list[str]:
    return [m for m in dict.fromkeys(models) if m.startswith(_models.MODEL_PREFIX)]


def _listed(model: str) -> tuple[str, ...]:
    sdk = sdk_models()
    names = [f"anthropic {sdk.version}"] if model in sdk.models or model in sdk.deprecated else []
    if _models.family_of(model) in _models.known_families():
        names.append(_TABLE)
    return tuple(names)
