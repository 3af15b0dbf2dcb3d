"""What the subcommands share: finding and loading the config, tables, JSON, prices."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from ..config import OrchestifyConfig, ProviderConfig, load_config

__all__ = [
    "CONFIG_ENV",
    "UsageError",
    "add_config_option",
    "add_json_option",
    "endpoint",
    "find_config",
    "load",
    "price_text",
    "progress",
    "table",
    "write_json",
]

CONFIG_ENV = "ORCHESTIFY_CONFIG"


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        metavar="PATH",
        help=f"YAML file or directory of them (default: ${CONFIG_ENV}, ./orchestify.yaml, "
        "then $XDG_CONFIG_HOME/orchestify/config.yaml)",
    )


def add_json_option(parser: argparse.ArgumentParser, what: str = "machine-readable output") -> None:
    parser.add_argument("--json", action="store_true", help=what)


def find_config(explicit: str | None) -> Path:
    """The config the user meant: -c, then $ORCHESTIFY_CONFIG, then the default paths."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    candidates = [Path("orchestify.yaml")]
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    candidates.append(Path(xdg) / "orchestify" / "config.yaml")
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise UsageError(
        f"no config given: pass -c PATH, set {CONFIG_ENV}, or create "
        + " or ".join(str(c) for c in candidates)
    )


def load(args: argparse.Namespace, *, allow_unset_keys: bool = False) -> OrchestifyConfig:
    """The config of ``-c``, every problem reported at once, provider types checked against
    the installed plugins' metadata (no plugin is imported)."""
    from ..plugins import unknown_type_problem

    return load_config(
        find_config(args.config),
        check_type=unknown_type_problem,
        allow_unset_keys=allow_unset_keys,
    )


def endpoint(provider: ProviderConfig) -> str:
    """Where a provider's requests go: its base_url, or the SDK's default."""
    return provider.base_url or "the SDK's default endpoint"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def price_text(value: Decimal | None, missing: str | None = "-") -> Any:
    """A price without trailing zeros or an exponent: ``0.15``, ``15``, ``0.075``; ``missing``
    when there is none."""
    if value is None:
        return missing
    return format(value.normalize(), "f")


def table(out: TextIO, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Rows as aligned columns, or ``(none)``."""
    if not rows:
        out.write("(none)\n")
        return
    widths = [max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    out.write("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    out.write("\n")
    for row in rows:
        cells = (str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")


def write_json(out: TextIO, data: Any) -> None:
    json.dump(data, out, indent=2)
    out.write("\n")


def progress(args: argparse.Namespace, message: str) -> None:
    """A progress line on stderr, shown on a terminal or with ``-v`` (never in a pipe's
    data, which stays on stdout)."""
    if getattr(args, "verbose", 0) or sys.stderr.isatty():
        print(f"orchestify: {message}", file=sys.stderr, flush=True)
