"""An OpenAI loopback server that enforces a rate limit, for the fleet proofs.

``python _limited_server.py LIMIT WINDOW BURST`` serves on a free port and prints
``READY <base_url>``; it answers at most LIMIT requests per WINDOW seconds, as the providers
do: a token bucket refilled continuously at LIMIT/WINDOW a second, holding at most BURST
requests. A request finding the bucket empty gets a 429 with ``retry-after`` and the
``x-ratelimit-*`` headers. ``--down`` answers every request with a 503 instead.

``GET /_loopback/limiter`` returns ``{"accepted", "refused", "first", "last"}`` (times of the
first and last accepted request, monotonic seconds); ``POST /_loopback/limiter`` resets it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from aiohttp import web

from orchestify_core.testing.servers import OpenAIServer
from orchestify_core.testing.servers._base import CONTROL_PREFIX


class LimitedServer(OpenAIServer):
    def __init__(self, limit: float, window: float, burst: float, down: bool) -> None:
        super().__init__(record_limit=0)
        self.limit, self.rate, self.burst, self.down = limit, limit / window, burst, down
        self.reset_limiter()

    def reset_limiter(self) -> None:
        self.level, self.stamp = self.burst, time.monotonic()
        self.counts: dict[str, Any] = {"accepted": 0, "refused": 0, "first": None, "last": None}

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == CONTROL_PREFIX + "limiter":
            if request.method == "POST":
                self.reset_limiter()
            return web.json_response(self.counts)
        if request.path.startswith(CONTROL_PREFIX):
            return await super()._dispatch(request)
        now = time.monotonic()
        if self.down:
            self.counts["refused"] += 1
            return self.error_response(503, "the service is down")
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.level < 1:
            self.counts["refused"] += 1
            wait = (1 - self.level) / self.rate
            return self.error_response(429, "rate limited", headers={
                "retry-after-ms": str(max(int(wait * 1000), 1)),
                "x-ratelimit-limit-requests": str(int(self.limit)),
                "x-ratelimit-remaining-requests": "0",
            })  # fmt: skip
        self.level -= 1
        self.counts["accepted"] += 1
        self.counts["first"] = self.counts["first"] or now
        self.counts["last"] = now
        return await super()._dispatch(request)


async def main(limit: float, window: float, burst: float, down: bool) -> None:
    async with LimitedServer(limit, window, burst, down) as server:
        print(f"READY {server.base_url}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]),
                     "--down" in sys.argv))  # fmt: skip
