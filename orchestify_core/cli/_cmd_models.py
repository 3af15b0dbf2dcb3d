"""``orchestify models``: every model each installed plugin knows, from its catalog hook.

Needs no config and no key: each plugin's module is loaded and asked for its catalog, which
reads its SDK's data files and genai-prices (no SDK is imported; LiteLLM's map is read from
its JSON file). ``--provider`` narrows to one type, or to the type of a configured provider
id, whose ``prices:`` then win, shown with the source ``config``.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._common import UsageError, add_json_option, find_config, load, table, write_json

if TYPE_CHECKING:
    from ..catalog import CatalogEntry
    from ..config import ProviderConfig

__all__ = ["add_parser", "run"]

_COLUMNS = ["type", "model", "context", "output", "capabilities", "$/Mtok in/out",
            "cache read/write", "price source", "lifecycle"]  # fmt: skip


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list the models each installed plugin knows",
        description="List the models each installed provider plugin knows: context window, "
        "output limit, capabilities, prices per million tokens (input/output, cache "
        "read/write) and their source, and whether the provider has deprecated the model "
        "and when it stops serving it. No config or key is needed.",
    )
    parser.add_argument(
        "pattern",
        nargs="?",
        metavar="PATTERN",
        help="only model ids matching this glob, case-insensitive (e.g. '*sonnet*')",
    )
    parser.add_argument(
        "-p",
        "--provider",
        action="append",
        metavar="ID|TYPE",
        help="only this plugin type, or the type of this configured provider (its prices: "
        "win); may be repeated",
    )
    parser.add_argument(
        "-c", "--config", metavar="PATH", help="the config whose provider ids --provider names"
    )
    parser.add_argument(
        "--deprecated", action="store_true", help="only deprecated or retiring models"
    )
    add_json_option(parser, "one JSON object per model (field names in the README)")


def run(args: argparse.Namespace) -> int:
    from ..plugins import create_plugin_manager, installed_plugins

    types = list(dict.fromkeys(info.provider_type for info in installed_plugins() if info.allowed))
    chosen = _chosen(args, types)
    host = create_plugin_manager()
    rows: list[dict[str, Any]] = []
    for provider_type, provider_id, config in chosen:
        for entry in _catalog(host, provider_type):
            if _wanted(args, entry):
                rows.append(_row(entry, provider_id, config))
    if args.json:
        write_json(sys.stdout, rows)
    else:
        table(sys.stdout, _COLUMNS, [_text_row(row) for row in rows])
    return 0


def _chosen(
    args: argparse.Namespace, types: Sequence[str]
) -> list[tuple[str, str | None, ProviderConfig | None]]:
    """``(type, provider id, provider config)`` for each catalog to list."""
    if not args.provider:
        return [(t, None, None) for t in types]
    chosen: list[tuple[str, str | None, ProviderConfig | None]] = []
    providers: dict[str, ProviderConfig] | None = None
    for name in args.provider:
        if name in types:
            chosen.append((name, None, None))
            continue
        if providers is None:
            providers = _configured(args, name, types)
        provider = providers.get(name)
        if provider is None:
            raise UsageError(
                f"--provider {name!r}: not an installed plugin type ({', '.join(types)}) "
                f"nor a provider of the config ({', '.join(providers) or 'none'})"
            )
        chosen.append((provider.type, name, provider))
    return chosen


def _configured(args: argparse.Namespace, name: str, types: Sequence[str]) -> dict[str, Any]:
    try:
        find_config(args.config)
    except UsageError:
        raise UsageError(
            f"--provider {name!r}: not an installed plugin type ({', '.join(types)}), and no "
            "config to find a provider of that id in (pass -c PATH)"
        ) from None
    return dict(load(args, allow_unset_keys=True).providers.providers)


def _catalog(host: Any, provider_type: str) -> Sequence[CatalogEntry]:
    """The type's catalog; a plugin that fails to load is reported and skipped."""
    from ..errors import PluginError
    from ..plugins import ensure_provider_type

    try:
        ensure_provider_type(host, provider_type)
    except PluginError as exc:
        print(f"orchestify: warning: {exc}", file=sys.stderr)
        return ()
    hooks = host.hooks_for(provider_type)
    entries = hooks.orchestify_model_catalog(
        provider_type=provider_type, models=None, lifecycle_only=False
    )
    return entries or ()


def _wanted(args: argparse.Namespace, entry: CatalogEntry) -> bool:
    if args.deprecated and not entry.retiring:
        return False
    pattern = args.pattern
    return pattern is None or fnmatch.fnmatchcase(entry.model.lower(), pattern.lower())


def _row(
    entry: CatalogEntry, provider_id: str | None, config: ProviderConfig | None
) -> dict[str, Any]:
    """The entry's JSON, with a configured provider's price override applied."""
    from ..catalog import price_json

    row = {"provider_id": provider_id, **entry.to_json()}
    override = config.price_override(entry.model) if config is not None else None
    if override is not None:
        row["price_per_mtok"], row["price_source"] = price_json(override), override.source
    return row


def _tokens(count: int | None) -> str:
    """``200k``, ``1M``, ``1.05M``, ``16,384``: exact, shortened where that loses nothing."""
    if count is None:
        return "?"
    if count >= 1_000_000 and count % 10_000 == 0:
        return f"{count / 1_000_000:g}M"
    if count % 1_000 == 0:
        return f"{count // 1_000}k"
    return f"{count:,}"


def _pair(price: dict[str, Any] | None, first: str, second: str) -> str:
    if price is None:
        return "-"
    return f"{price[first] or '-'}/{price[second] or '-'}"


def _lifecycle(row: dict[str, Any]) -> str:
    from ..lifecycle import today

    end = row["end_of_life"]
    if end is None:
        return "deprecated" if row["deprecated"] else "-"
    from datetime import date

    passed = date.fromisoformat(end) < today()
    text = f"{'retired' if passed else 'end of life'} {end}"
    if row["replacement"]:
        text += f" -> {row['replacement']}"
    return ("deprecated, " + text) if row["deprecated"] and not passed else text


def _text_row(row: dict[str, Any]) -> dict[str, str]:
    caps = row["capabilities"]
    names = [name for name in ("tools", "vision", "thinking", "code_execution") if caps[name]]
    shown = ",".join(names) or "-"
    price = row["price_per_mtok"]
    model = row["model"] if row["backend"] is None else f"{row['model']} ({row['backend']})"
    return {
        "type": row["provider_id"] or row["provider_type"],
        "model": model,
        "context": _tokens(row["context_window"]),
        "output": _tokens(row["max_output_tokens"]),
        "capabilities": shown if caps["known"] else f"{shown} (guessed)",
        "$/Mtok in/out": _pair(price, "input", "output"),
        "cache read/write": _pair(price, "cache_read", "cache_write"),
        "price source": row["price_source"] or "unpriced",
        "lifecycle": _lifecycle(row),
    }
