"""``orchestify demo``: every installed plugin against local protocol servers."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ._common import UsageError

__all__ = ["add_parser", "install_testing_hint", "run"]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser(
        "demo",
        help="run every plugin against local protocol servers (offline)",
        description="Start local servers that speak the Anthropic and OpenAI wire protocols "
        "and run a completion, a stream and a tool round trip through every installed "
        "plugin and its real SDK, then print usage and cost. No network, no keys.",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from ..demo import run_demo
    except ImportError as exc:  # aiohttp (the testing extra) missing
        raise UsageError(
            f"the demo needs the testing extra ({exc}): {install_testing_hint()}"
        ) from None
    return asyncio.run(run_demo(sys.stdout))


def install_testing_hint() -> str:
    """The command that adds the testing extra to *this* installation: the editable
    checkout's path when orchestify-core was installed from a clone, else the package."""
    import importlib.metadata
    import json
    import shlex
    from urllib.parse import unquote, urlsplit

    pip = f"{shlex.quote(sys.executable)} -m pip install"
    try:
        direct = importlib.metadata.distribution("orchestify-core").read_text("direct_url.json")
        info = json.loads(direct) if direct else {}
    except (importlib.metadata.PackageNotFoundError, ValueError):
        info = {}
    url = info.get("url", "") if isinstance(info, dict) else ""
    if url.startswith("file://") and info.get("dir_info", {}).get("editable"):
        folder = unquote(urlsplit(url).path)
        return f"{pip} -e {shlex.quote(folder + '[testing]')}"
    return f"{pip} 'orchestify-core[testing]'"
