"""Run a loopback server in its own process.

``python -m orchestify_core.testing.servers --provider openai --port 0`` prints one line,
``READY <base_url>``, once it listens, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
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
        "--watch-stdin",
        action="store_true",
        help="also stop when standard input closes (so the server dies with its parent)",
    )
    return parser


def _stop_on_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    while sys.stdin.buffer.read(4096):
        pass
    loop.call_soon_threadsafe(stop.set)


async def _serve(args: argparse.Namespace) -> None:
    server = server_class(args.provider)(host=args.host, port=args.port, api_key=args.api_key)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if args.watch_stdin:
        threading.Thread(target=_stop_on_eof, args=(loop, stop), daemon=True).start()
    async with server:
        print(f"READY {server.base_url}", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
