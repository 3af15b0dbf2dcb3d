"""Run a loopback server in its own process.

``python -m orchestify_core.testing.servers --provider openai --port 0`` prints one line,
``READY <base_url>``, once it listens, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from ._registry import PROVIDERS, server_class

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestify_core.testing.servers",
        description="Serve a provider API on loopback with scripted replies.",
    )
    parser.add_argument("--provider", choices=PROVIDERS, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default=None, help="refuse requests without this key")
    parser.add_argument(
        "--record-limit",
        type=int,
        default=10_000,
        help="requests kept for inspection (0 keeps none, a negative number keeps all)",
    )
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="also stop when standard input closes (so the server dies with its parent)",
    )
    return parser


class _StopOnEof(asyncio.Protocol):
    """Reads standard input and stops the server when it closes (the parent has gone)."""

    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop.set()


async def _serve(args: argparse.Namespace) -> None:
    server = server_class(args.provider)(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        record_limit=None if args.record_limit < 0 else args.record_limit,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watcher: asyncio.BaseTransport | None = None
    if args.watch_stdin:
        watcher, _ = await loop.connect_read_pipe(lambda: _StopOnEof(stop), sys.stdin)
    try:
        async with server:
            print(f"READY {server.base_url}", flush=True)
            await stop.wait()
    finally:
        if watcher is not None:
            watcher.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
