"""``orchestify check``: every problem of a config at once; ``--connectivity`` calls out.

Without ``--connectivity`` no SDK is imported and no client built: the config is read,
provider types are checked against the plugins' metadata, and each provider's ``options:``
against its plugin's options class (the plugin's module is loaded for that, never its SDK).
A missing key is reported, not refused. With it, each
provider is built and its health check runs, one line per provider in one format.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING

from ..lifecycle import config_warnings
from ._common import add_config_option, endpoint, load, progress
from ._keys import literal_credentials, unset_keys

if TYPE_CHECKING:
    from ..config import OrchestifyConfig
    from ..plugins import PluginHost
    from ..provider import LLMProvider
    from ..registry import ProviderRegistry

__all__ = ["add_parser", "run"]

DEFAULT_TIMEOUT = 10.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a config (and with --connectivity, reach each provider)",
        description="Validate a config: every problem is reported at once, one line each "
        "(file:line: key.path: what), in line order. Provider types are checked against "
        "the installed plugins; credentials written into the file are warned about; a key "
        "whose variable is unset is reported (it is needed only to call the provider). "
        "--connectivity also runs each provider's health check (keys needed).",
    )
    add_config_option(parser)
    parser.add_argument(
        "--connectivity", action="store_true", help="also run each provider's health check"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"longest wait for each health check (default {DEFAULT_TIMEOUT:g})",
    )


def run(args: argparse.Namespace) -> int:
    config = load(args, allow_unset_keys=not args.connectivity)
    host = _check_options(config)
    for warning in literal_credentials(config):
        print(f"orchestify: warning: {warning}", file=sys.stderr)
    for where, what in config_warnings(config, host):  # deprecated models: advice, status unchanged
        print(f"orchestify: warning: {where}: {what}", file=sys.stderr)
    providers, agents = len(config.providers.providers), len(config.agents.agents)
    print(f"config ok: {providers} provider(s), {agents} agent(s)")
    for pid, path, variable in unset_keys(config):
        print(f"{pid}: {path} not set (${variable}); needed to call this provider")
    if not args.connectivity:
        return 0
    from ..registry import ProviderRegistry

    types = sorted({p.type for p in config.providers.providers.values()})
    progress(args, f"loading the plugins and SDKs of {', '.join(types)} ...")
    registry = ProviderRegistry.from_config(config)
    progress(args, f"running {len(registry)} health check(s), at most {args.timeout:g}s each ...")
    lines = asyncio.run(_health(registry, args.timeout))
    width = max((len(pid) for pid in lines), default=0)
    failed = 0
    for pid, (ok, line) in lines.items():
        print(f"{pid.ljust(width)}  {line}")
        failed += not ok
    return 1 if failed else 0


def _check_options(config: OrchestifyConfig) -> PluginHost:
    """Each provider's ``options:`` against its plugin's options class, every problem at
    once. Loads the plugins' modules (their hooks), never their SDKs; returns the plugin
    manager they are loaded in."""
    from ..config import ConfigProblems, structure_options
    from ..errors import ConfigError
    from ..plugins import create_plugin_manager, ensure_provider_type

    host = create_plugin_manager()
    problems: list[ConfigError] = []
    for pid, provider in config.providers.providers.items():
        ensure_provider_type(host, provider.type)
        hooks = host.hooks_for(provider.type)
        options_class = hooks.orchestify_options_class(provider_type=provider.type)
        if options_class is None:
            continue
        try:
            structure_options(options_class, provider, pid)
        except ConfigProblems as exc:
            problems += exc.problems
        except ConfigError as exc:
            problems.append(exc)
    if problems:
        problems.sort(key=lambda error: (error.file or "", error.line or 0))
        raise ConfigProblems(problems)
    return host


async def _health(registry: ProviderRegistry, timeout: float) -> dict[str, tuple[bool, str]]:
    try:
        ids = registry.list_providers()
        results = await asyncio.gather(*(_one(registry.get(pid), timeout) for pid in ids))
        return dict(zip(ids, results, strict=True))
    finally:
        await registry.aclose()


async def _one(provider: LLMProvider, timeout: float) -> tuple[bool, str]:
    """``ok  123 ms  <endpoint>`` or ``FAILED  123 ms  <endpoint>: <why>``, timed here for
    every plugin alike."""
    where = endpoint(provider.config)
    started = time.perf_counter()
    try:
        status = await asyncio.wait_for(provider.health_check(), timeout)
    except TimeoutError:
        return False, f"FAILED  {timeout * 1000:.0f} ms  {where}: no answer within {timeout:g}s"
    elapsed = f"{(time.perf_counter() - started) * 1000:.0f} ms"
    if status.ok:
        return True, f"ok      {elapsed}  {where}"
    detail = " ".join(status.detail.split())
    return False, f"FAILED  {elapsed}  {where}: {detail}"
