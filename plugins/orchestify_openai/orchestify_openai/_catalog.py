"""The ``openai`` type's model catalog, for ``orchestify models`` and deprecation warnings.

The models listed are those of the openai SDK's ``ChatModel`` type (the Chat Completions
models it declares; this plugin speaks Chat Completions). For each:

- capabilities and limits: :func:`_models.capabilities_for`, what the plugin enforces;
- price: :func:`_models.price_for` (genai-prices);
- lifecycle: the SDK's own notes under ``ChatModel`` ("Deprecated values: ... Announced
  shutdown date: YYYY-MM-DD"), the provider's own list, win; genai-prices' ``deprecated``
  flag is used for a model the SDK does not deprecate;
- replacement: the newest ``gpt-N[.M]`` model of the same size (``-mini``, ``-nano``,
  ``-pro`` or none) that the SDK declares and does not deprecate, e.g. ``gpt-4o-mini`` ->
  the highest ``gpt-N.M-mini``. The SDK names none itself; o-series and other shapes get
  none.

``chat_model.py`` is read from its file (its literal list, and the notes below it, which
Python keeps nowhere at run time) without importing the SDK; a file whose shape this does
not recognise is an error of the catalog (the core then warns about nothing).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from orchestify_core.plugin import CatalogEntry, ModelCapabilities, genai_prices, package_version

from . import _models

__all__ = ["PROVIDER_TYPE", "SdkModels", "catalog", "sdk_models"]

PROVIDER_TYPE = "openai"
_GENAI_PROVIDER = "openai"
_SHUTDOWN = re.compile(r"shutdown\s+date:\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_SIZED = re.compile(r"gpt-(\d+)(?:\.(\d+))?o?(?:-(mini|nano|pro))?$")
_LITERAL = re.compile(r"^ChatModel\b[^=\n]*=\s*Literal\[(.*?)^\]", re.MULTILINE | re.DOTALL)
_NOTES = re.compile(r'\s*"""(.*?)"""', re.DOTALL)
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")
_LIFECYCLE_ONLY = ModelCapabilities(tools=True, vision=True, thinking=True, known=False)


class SdkModels:
    """What the installed openai SDK declares: its chat models and their deprecations
    (model -> shutdown date, None when the note gives no date)."""

    def __init__(self, version: str, models: tuple[str, ...], deprecated: dict[str, date | None]):
        self.version = version
        self.models = models
        self.deprecated = deprecated


def _chat_model_source() -> str:
    spec = importlib.util.find_spec("openai")
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise ImportError("the openai SDK is not installed")
    path = Path(next(iter(locations))) / "types" / "shared" / "chat_model.py"
    return path.read_text(encoding="utf-8")


def _literal_and_notes(source: str) -> tuple[tuple[str, ...], str]:
    """The ``ChatModel`` literal's strings and the string that follows it (read with two
    regular expressions: parsing the whole file costs ten times as much)."""
    literal = _LITERAL.search(source)
    if literal is None:
        raise ValueError("no ChatModel literal in openai/types/shared/chat_model.py")
    notes = _NOTES.match(source, literal.end())
    return tuple(re.findall(r'"([^"]+)"', literal[1])), notes[1] if notes else ""


def parse_deprecations(notes: str) -> dict[str, date | None]:
    """``- "a", "b": Announced shutdown date: 2027-04-01. ...`` bullets -> ids -> date."""
    found: dict[str, date | None] = {}
    for bullet in re.split(r"\n-\s", "\n" + notes.split("Deprecated values:", 1)[-1])[1:]:
        text = " ".join(bullet.split())
        ids_part = text.split('":', 1)[0]
        shutdown = _SHUTDOWN.search(text)
        day = date.fromisoformat(shutdown[1]) if shutdown else None
        for model in re.findall(r'"([^"]+)"', ids_part + '"'):
            found[model] = day
    return found


@functools.cache
def sdk_models() -> SdkModels:
    """The installed SDK's chat models and deprecations (read once)."""
    models, notes = _literal_and_notes(_chat_model_source())
    return SdkModels(package_version("openai"), models, parse_deprecations(notes))


def _size(model: str) -> tuple[str, tuple[int, int]] | None:
    """``gpt-5.4-mini`` -> ``("mini", (5, 4))``; ``gpt-4o`` -> ``("", (4, 0))``."""
    match = _SIZED.match(model)
    if match is None:
        return None
    return match[3] or "", (int(match[1]), int(match[2] or 0))


@functools.cache
def _replacement(model: str) -> str | None:
    sdk, own = sdk_models(), _size(_DATED.sub("", model))
    if own is None:
        return None
    best: tuple[tuple[int, int], str] | None = None
    for candidate in sdk.models:
        size = _size(candidate)
        if size is None or size[0] != own[0] or candidate in sdk.deprecated:
            continue
        if size[1] > own[1] and (best is None or size[1] > best[0]):
            best = (size[1], candidate)
    return best[1] if best is not None else None


def _entry(model: str, lifecycle_only: bool) -> CatalogEntry:
    sdk = sdk_models()
    deprecated = model in sdk.deprecated
    source = f"openai {sdk.version}" if deprecated else None
    if not deprecated and not lifecycle_only:
        info = genai_prices.find_model(_GENAI_PROVIDER, model)
        if info is not None and info.deprecated:
            deprecated, source = True, f"genai-prices {genai_prices.snapshot_version()}"
    return CatalogEntry(
        model=model,
        provider_type=PROVIDER_TYPE,
        capabilities=_LIFECYCLE_ONLY if lifecycle_only else _models.capabilities_for(model),
        price=None if lifecycle_only else _models.price_for(model),
        deprecated=deprecated,
        end_of_life=sdk.deprecated.get(model),
        lifecycle_source=source,
        replacement=_replacement(model) if deprecated else None,
        listed_by=(f"openai {sdk.version}",) if model in sdk.models else (),
    )


def catalog(models: Sequence[str] | None, lifecycle_only: bool = False) -> list[CatalogEntry]:
    """The catalog (the SDK's chat models, sorted), or the entries of ``models``."""
    chosen = sorted(set(sdk_models().models)) if models is None else dict.fromkeys(models)
    return [_entry(model, lifecycle_only) for model in chosen]
