"""``orchestify plugins``: the installed provider plugins and whether each loads."""

from __future__ import annotations

import argparse
import sys

from ..errors import PluginError
from ._common import add_json_option, table, write_json

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plugins",
        help="list the installed provider plugins",
        description="List the installed provider plugins: the type each provides, its "
        "distribution and version, and whether it loads. Each plugin's module is imported "
        "(never its SDK).",
    )
    add_json_option(parser)


def run(args: argparse.Namespace) -> int:
    from ..plugins import installed_plugins

    rows = []
    for info in installed_plugins():
        status = _try_load(info.provider_type) if info.allowed else "not allowed"
        rows.append(
            {
                "type": info.provider_type,
                "distribution": info.distribution,
                "version": info.version,
                "module": info.target,
                "status": status,
            }
        )
    if args.json:
        write_json(sys.stdout, rows)
    else:
        table(sys.stdout, ["type", "distribution", "version", "status"], rows)
    return 0


def _try_load(provider_type: str) -> str:
    """Load the plugin into a throw-away manager: its module and hooks, not its SDK."""
    from ..plugins import create_plugin_manager, ensure_provider_type

    try:
        ensure_provider_type(create_plugin_manager(), provider_type)
    except PluginError as exc:
        return f"error: {exc}"
    return "ok"
