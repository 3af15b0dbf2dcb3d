"""The ``orchestify`` command: list plugins, inspect and check a config, complete, demo.

Errors are one line on stderr and a non-zero exit status (2: bad config or usage, 1: a
provider failed); ``--debug`` shows the traceback. The config is ``-c PATH``, else
``$ORCHESTIFY_CONFIG``, else ``./orchestify.yaml``, else
``$XDG_CONFIG_HOME/orchestify/config.yaml``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .config import OrchestifyConfig, load_config
from .errors import ConfigError, OrchestifyError, PluginError, ProviderError
from .models import LLMMessage, LLMResponse
from .provider import LLMProvider
from .registry import ProviderRegistry

__all__ = ["main"]

CONFIG_ENV = "ORCHESTIFY_CONFIG"


class UsageError(Exception):
    """Bad command-line input."""


# --------------------------------------------------------------------------- config lookup


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


def _load(args: argparse.Namespace) -> OrchestifyConfig:
    return load_config(find_config(args.config))


# --------------------------------------------------------------------------- plugins


def cmd_plugins(args: argparse.Namespace, out: TextIO) -> int:
    """Installed provider plugins; loads each plugin module (never an SDK) to say if it loads."""
    from .plugins import installed_plugins

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
        json.dump(rows, out, indent=2)
        out.write("\n")
        return 0
    _table(out, ["type", "distribution", "version", "status"], rows)
    return 0


def _try_load(provider_type: str) -> str:
    """Load the plugin into a throw-away manager: its module and hooks, not its SDK."""
    from .plugins import create_plugin_manager, ensure_provider_type

    try:
        ensure_provider_type(create_plugin_manager(), provider_type)
    except PluginError as exc:
        return f"error: {exc}"
    return "ok"


# --------------------------------------------------------------------------- providers


def _describe(provider: LLMProvider) -> dict[str, Any]:
    caps = provider.capabilities()
    price = provider.price()
    return {
        "id": provider.provider_id,
        "type": provider.provider_type,
        "default_model": provider.default_model,
        "capabilities": {
            "tools": caps.tools,
            "vision": caps.vision,
            "thinking": caps.thinking,
            "code_execution": caps.code_execution,
            "context_window": caps.context_window,
            "max_output_tokens": caps.max_output_tokens,
            "known_model": caps.known,
        },
        "price_per_mtok": None
        if price is None
        else {
            "input": str(price.input_per_mtok),
            "output": str(price.output_per_mtok),
            "cache_read": None
            if price.cache_read_per_mtok is None
            else str(price.cache_read_per_mtok),
            "cache_write": None
            if price.cache_write_per_mtok is None
            else str(price.cache_write_per_mtok),
        },
        "price_source": price.source if price is not None else "unpriced",
        "fallbacks": list(provider.config.fallbacks),
    }


def cmd_providers(args: argparse.Namespace, out: TextIO) -> int:
    registry = ProviderRegistry.from_config(_load(args))
    rows = [_describe(registry.get(pid)) for pid in registry.list_providers()]
    if args.json:
        json.dump(rows, out, indent=2)
        out.write("\n")
        return 0
    flat = []
    for row in rows:
        caps = row["capabilities"]
        price = row["price_per_mtok"]
        flat.append(
            {
                "id": row["id"],
                "type": row["type"],
                "model": row["default_model"],
                "tools": _yes(caps["tools"]),
                "vision": _yes(caps["vision"]),
                "thinking": _yes(caps["thinking"]),
                "context": caps["context_window"] or "?",
                "$/Mtok in/out": "-" if price is None else f"{price['input']}/{price['output']}",
                "price source": row["price_source"],
            }
        )
    _table(out, list(flat[0]) if flat else ["id"], flat)
    return 0


def _yes(value: bool) -> str:
    return "yes" if value else "no"


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    config = _load(args)
    registry = ProviderRegistry.from_config(config)
    out.write(f"config ok: {len(registry)} provider(s), {len(config.agents.agents)} agent(s)\n")
    if not args.connectivity:
        return 0
    results = asyncio.run(_health(registry))
    failed = 0
    for pid, status in results.items():
        latency = f" ({status.latency_s * 1000:.0f} ms)" if status.latency_s is not None else ""
        out.write(f"{pid}: {'ok' if status.ok else 'FAILED'}{latency} {status.detail}\n")
        failed += not status.ok
    return 1 if failed else 0


async def _health(registry: ProviderRegistry) -> dict[str, Any]:
    try:
        return await registry.check_health()
    finally:
        await registry.aclose()


# --------------------------------------------------------------------------- complete


def cmd_complete(args: argparse.Namespace, out: TextIO) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    config = _load(args)
    registry = ProviderRegistry.from_config(config)
    get = registry.get_for_agent if args.agent else registry.get
    provider = get(args.agent or args.provider)
    messages = []
    if args.system:
        messages.append(LLMMessage(role="system", content=args.system))
    messages.append(LLMMessage(role="user", content=prompt))
    return asyncio.run(_complete(provider, messages, args, out))


async def _complete(
    provider: LLMProvider, messages: list[LLMMessage], args: argparse.Namespace, out: TextIO
) -> int:
    kwargs: dict[str, Any] = {
        "model": args.model,
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "thinking": args.thinking or None,
    }
    started = time.perf_counter()
    response: LLMResponse | None = None
    interrupted = False
    try:
        if args.json:
            response = await provider.complete(messages, **kwargs)
        else:
            stream = provider.stream(messages, **kwargs)
            try:
                async for chunk in stream:
                    out.write(chunk)
                    out.flush()
            except asyncio.CancelledError:
                interrupted = True
            finally:
                await stream.aclose()
            response = stream.response
            out.write("\n")
    finally:
        await provider.aclose()
    elapsed = time.perf_counter() - started
    if args.json:
        assert response is not None
        json.dump(_response_json(response), out, indent=2)
        out.write("\n")
    _usage_line(provider, elapsed, interrupted)
    return 130 if interrupted else 0


def _response_json(response: LLMResponse) -> dict[str, Any]:
    return {
        "content": response.content,
        "model": response.model,
        "provider": response.provider_id,
        "finish_reason": str(response.finish_reason),
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": dict(c.arguments)}
            for c in response.tool_calls
        ],
        "thinking": response.thinking or None,
        "usage": {
            "input_tokens": response.tokens_input,
            "output_tokens": response.tokens_output,
            "cache_read_tokens": response.cache_read_tokens,
            "cache_write_tokens": response.cache_write_tokens,
            "estimated": response.usage_estimated,
        },
        "cost_usd": None if response.cost_usd is None else str(response.cost_usd),
        "latency_s": response.latency_s,
    }


def _usage_line(provider: LLMProvider, elapsed: float, interrupted: bool) -> None:
    usage = provider.get_usage()
    cost = "unpriced" if usage.unpriced_attempts else f"${usage.cost:.6f}"
    parts = [
        f"tokens: {usage.total_input} in, {usage.total_output} out",
        f"cost: {cost}",
        f"latency: {elapsed:.2f}s",
    ]
    if usage.estimated_attempts:
        parts.append("estimated")
    if interrupted:
        parts.append("interrupted")
    print(" | ".join(parts), file=sys.stderr)


# --------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    try:
        from .demo import run_demo
    except ImportError as exc:  # aiohttp missing
        raise UsageError(
            f"the demo needs the testing extra: pip install 'orchestify-core[testing]' ({exc})"
        ) from None
    return asyncio.run(run_demo(out))


# --------------------------------------------------------------------------- plumbing


def _table(out: TextIO, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        out.write("(none)\n")
        return
    widths = [max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    out.write("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    out.write("\n")
    for row in rows:
        cells = (str(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchestify", description=__doc__.split("\n")[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def config_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("-c", "--config", help=f"YAML file or directory (or ${CONFIG_ENV})")

    plugins = commands.add_parser("plugins", help="list the installed provider plugins")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    plugins.set_defaults(handler=cmd_plugins)

    providers = commands.add_parser("providers", help="show the configured providers")
    config_option(providers)
    providers.add_argument("--json", action="store_true", help="machine-readable output")
    providers.set_defaults(handler=cmd_providers)

    check = commands.add_parser("check", help="validate a config")
    config_option(check)
    check.add_argument(
        "--connectivity", action="store_true", help="also run each provider's health check"
    )
    check.set_defaults(handler=cmd_check)

    complete = commands.add_parser("complete", help="stream a completion to the terminal")
    config_option(complete)
    target = complete.add_mutually_exclusive_group(required=True)
    target.add_argument("-p", "--provider", help="provider id from the config")
    target.add_argument("--agent", help="agent id from the config")
    complete.add_argument("--model", help="model (default: the provider's or agent's)")
    complete.add_argument("--system", help="system prompt")
    complete.add_argument("--max-tokens", type=int, help="output token limit")
    complete.add_argument("--temperature", type=float, help="sampling temperature")
    complete.add_argument("--thinking", action="store_true", help="extended thinking")
    complete.add_argument("--json", action="store_true", help="print the whole response as JSON")
    complete.add_argument("prompt", help="the prompt, or - to read it from stdin")
    complete.set_defaults(handler=cmd_complete)

    demo = commands.add_parser("demo", help="run every plugin against local protocol servers")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``orchestify`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args, sys.stdout))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`orchestify plugins | head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except (UsageError, ConfigError, PluginError) as exc:
        return _fail(args, exc, 2)
    except (OrchestifyError, KeyError) as exc:
        return _fail(args, exc, 1 if isinstance(exc, ProviderError) else 2)


def _fail(args: argparse.Namespace, exc: BaseException, status: int) -> int:
    if args.debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    message = str(exc).replace("\n", " ")
    print(f"orchestify: error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
