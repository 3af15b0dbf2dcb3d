"""A malformed answer to a half-open breaker's trial call must not lock the provider out.

The breaker lets one trial call through while half-open; whatever that call meets (a raw
parser error included), its slot must be given back and the attempt accounted, or every
later call fails fast with ``CircuitOpenError ... retry in 0.0s`` for the life of the process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import uuid

import pytest

from orchestify_core import CircuitOpenError, InternalServerError
from orchestify_core.testing.servers import Reply, ToolCallSpec

from .hostile_support import (
    DEEP_ARGUMENTS,
    FINE,
    TARGETS,
    TEXT,
    Target,
    build_provider,
    call,
    generation_requests,
)

RECOVERY = 0.05
HOSTILE = {
    "deep_tool_arguments": Reply(
        tool_calls=[ToolCallSpec("get_weather", id="call_deep", raw_arguments=DEEP_ARGUMENTS)]
    ),
    "invalid_utf8": Reply(TEXT, invalid_utf8=True),
    "malformed_json": Reply(TEXT, body_fault="malformed"),
    "usage_huge_float": Reply(TEXT, usage_fault="huge"),
}


@pytest.mark.parametrize("mode", ["complete", "stream"])
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
async def test_hostile_trial_call_gives_the_breaker_back(
    target: Target, hostile: str, mode: str
) -> None:
    """500 opens the breaker; the half-open trial meets a malformed answer; then a normal
    request (after the recovery time) is served, and every attempt is accounted."""
    if importlib.util.find_spec(target.module) is None:
        pytest.skip(f"{target.module} is not installed")
    key = f"sk-canary-{uuid.uuid4()}"
    async with target.server(api_key=key) as server:
        registry, provider = build_provider(
            target,
            server.base_url,
            key,
            max_retries=0,
            breaker=f"{{failure_threshold: 1, recovery_time: {RECOVERY}, half_open_max_calls: 1}}",
        )
        try:
            server.enqueue(Reply(status=500))
            opened = await call(provider, mode)
            assert isinstance(opened.error, InternalServerError), opened
            await asyncio.sleep(RECOVERY * 2)

            server.enqueue(HOSTILE[hostile])
            await call(provider, mode, tools=True)  # its outcome is the matrix's business
            await asyncio.sleep(RECOVERY * 2)

            server.enqueue(Reply(FINE))
            after = await call(provider, mode)
            if isinstance(after.error, CircuitOpenError):
                pytest.fail(f"the breaker stayed shut after the hostile trial call: {after.error}")
            assert after.error is None, after
            assert after.response is not None
            assert after.response.content == FINE
            usage = provider.get_usage()
            assert usage.attempts == generation_requests(server) == 3, usage.outcomes
        finally:
            await registry.aclose()
