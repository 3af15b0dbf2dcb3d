"""``orchestify providers``: the configured providers, from the config alone by default.

Without ``--details`` nothing is imported but the config's own modules and plugin metadata:
no SDK, no client, no price table, and a missing key is a status. ``--details`` builds
each provider to ask its plugin for the default model's capabilities and price.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import attrs

from ..config import OrchestifyConfig, ProviderConfig
from ..secret import Secret
from ._common import (
    add_config_option,
    add_json_option,
    load,
    price_text,
    progress,
    table,
    write_json,
)
from ._keys import key_status

__all__ = ["add_parser", "run"]

#: Stands in for an unset key while ``--details`` builds clients; nothing is sent.
PLACEHOLDER_KEY = "orchestify-placeholder-key-never-sent"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "providers",
        help="show the configured providers",
        description="Show the configured providers: type, default model, plugin, key "
        "status, endpoint, fallbacks and configured prices, read from the config and the "
        "plugins' metadata (no SDK is imported, no key is needed). --details also loads "
        "each plugin and SDK to show the model's capabilities and price.",
    )
    add_config_option(parser)
    add_json_option(parser)
    parser.add_argument(
        "--details",
        action="store_true",
        help="also show capabilities and prices from each plugin (imports the SDKs: slower)",
    )


def run(args: argparse.Namespace) -> int:
    from ..plugins import installed_plugins

    config = load(args, allow_unset_keys=True)
    plugins = {info.provider_type: info for info in installed_plugins() if info.allowed}
    rows = [_row(pid, p, plugins) for pid, p in config.providers.providers.items()]
    if args.details:
        _add_details(args, config, rows)
    if args.json:
        write_json(sys.stdout, rows)
        return 0
    table(sys.stdout, list(_flat(rows[0])) if rows else ["provider_id"], [_flat(r) for r in rows])
    return 0


def _row(pid: str, provider: ProviderConfig, plugins: dict[str, Any]) -> dict[str, Any]:
    info = plugins.get(provider.type)
    price = provider.prices.get(provider.default_model)
    return {
        "provider_id": pid,
        "provider_type": provider.type,
        "default_model": provider.default_model,
        "plugin": None if info is None else f"{info.distribution} {info.version}",
        "key": key_status(provider),
        "base_url": provider.base_url,
        "fallbacks": list(provider.fallbacks),
        "price_per_mtok": None
        if price is None
        else {
            "input": price_text(price.input),
            "output": price_text(price.output),
            "cache_read": price_text(price.cache_read, None),
            "cache_write": price_text(price.cache_write, None),
        },
        "price_source": "config" if price is not None else None,
    }


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    price = row["price_per_mtok"]
    flat = {
        "id": row["provider_id"],
        "type": row["provider_type"],
        "model": row["default_model"],
        "plugin": row["plugin"] or "NOT INSTALLED",
        "key": row["key"],
        "endpoint": row["base_url"] or "default",
        "fallbacks": ",".join(row["fallbacks"]) or "-",
    }
    if "capabilities" in row:
        caps = row["capabilities"]
        flat.update(
            tools=_yes(caps["tools"]),
            vision=_yes(caps["vision"]),
            thinking=_yes(caps["thinking"]),
            context=caps["context_window"] or "?",
        )
    flat["$/Mtok in/out"] = "-" if price is None else f"{price['input']}/{price['output']}"
    flat["price source"] = row["price_source"] or "-"
    return flat


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _add_details(
    args: argparse.Namespace, config: OrchestifyConfig, rows: list[dict[str, Any]]
) -> None:
    """Capabilities and prices from each plugin: builds every provider (no call is made)."""
    from ..registry import ProviderRegistry

    types = sorted({p.type for p in config.providers.providers.values()})
    progress(args, f"loading the plugins and SDKs of {', '.join(types)} ...")
    providers = {
        pid: attrs.evolve(p, api_key=Secret(PLACEHOLDER_KEY))
        if key_status(p).endswith(" not set")
        else p
        for pid, p in config.providers.providers.items()
    }
    registry = ProviderRegistry.from_config(attrs.evolve(config.providers, providers=providers))
    try:
        for row in rows:
            provider = registry.get(row["provider_id"])
            caps = provider.capabilities()
            price = provider.price()
            row["capabilities"] = {
                "tools": caps.tools,
                "vision": caps.vision,
                "thinking": caps.thinking,
                "code_execution": caps.code_execution,
                "context_window": caps.context_window,
                "max_output_tokens": caps.max_output_tokens,
                "known_model": caps.known,
            }
            row["price_per_mtok"] = None if price is None else {
                "input": price_text(price.input_per_mtok),
                "output": price_text(price.output_per_mtok),
                "cache_read": price_text(price.cache_read_per_mtok, None),
                "cache_write": price_text(price.cache_write_per_mtok, None),
            }  # fmt: skip
            row["price_source"] = price.source if price is not None else "unpriced"
    finally:
        import asyncio

        asyncio.run(registry.aclose())
