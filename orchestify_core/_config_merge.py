"""Merging the parsed documents of a config (one per file) into one tree of sections."""

from __future__ import annotations

from typing import Any

from ._config_cache import CACHE_SECTIONS
from ._config_fleet import FLEET_SECTIONS
from ._config_ledger import SINGLE_SECTIONS, merge_single_section
from ._config_problems import Problems
from ._paths import Location, Path

__all__ = ["merge_documents"]

SECTIONS = ("providers", "agents", "ledger", "budgets", *FLEET_SECTIONS, *CACHE_SECTIONS)


def merge_documents(
    documents: list[tuple[Any, dict[Path, Location]]],
    locations: dict[Path, Location],
    problems: Problems,
) -> dict[str, dict[str, Any]]:
    """The documents' sections merged; a provider or agent defined twice is a problem.

    ``locations`` receives where each kept key path was written.
    """
    merged: dict[str, dict[str, Any]] = {}
    for data, doc_locations in documents:
        if data is None:
            continue
        if not isinstance(data, dict):
            locations.update(doc_locations)
            problems.add((), "the top level must be a mapping with 'providers' and/or 'agents'")
            continue
        for section, entries in data.items():
            if (section,) in doc_locations:
                locations[(section,)] = doc_locations[(section,)]
            if section not in SECTIONS:
                problems.add((section,), "unknown key (expected 'providers' or 'agents')")
                continue
            if entries is None:
                continue
            if section in (*SINGLE_SECTIONS, *FLEET_SECTIONS, *CACHE_SECTIONS):
                merge_single_section(section, entries, merged, doc_locations, locations,
                                     problems.add)  # fmt: skip
                continue
            if not isinstance(entries, dict):
                problems.add((section,), f"expected a mapping of {section}")
                continue
            target = merged.setdefault(section, {})
            _merge_section(section, entries, target, doc_locations, locations, problems)
    return merged


def _merge_section(
    section: str,
    entries: dict[str, Any],
    target: dict[str, Any],
    doc_locations: dict[Path, Location],
    locations: dict[Path, Location],
    problems: Problems,
) -> None:
    for name, entry in entries.items():
        own = {p: loc for p, loc in doc_locations.items() if p[:2] == (section, name)}
        if name in target:
            first = locations[(section, name)]
            where = doc_locations.get((section, name))
            if where is not None:
                reason = f"defined twice (first at {first[0]}:{first[1]})"
                problems.add_at(where, (section, name), reason)
            continue
        locations.update(own)
        if not isinstance(entry, dict):
            problems.add((section, name), f"expected a mapping of {section[:-1]} settings")
            continue
        target[name] = entry
