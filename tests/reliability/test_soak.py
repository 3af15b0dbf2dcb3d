"""Soak: 200 concurrent streams through the three plugins, against servers injecting faults.

Faults: 20 % 429 (half with a retry-after), 10 % 5xx/529, 10 % connection dropped
mid-stream, 5 % error event inside the stream, and 5 % of the streams cancelled by the
client. Every success reply is unique (its text and token counts name it), so each outcome
can be checked exactly.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
from collections import Counter
from typing import Any

import pluggy
import pytest

from orchestify_core import (
    LLMMessage,
    ProviderContext,
    ProviderError,
    ProviderRegistry,
    hookimpl,
    loads_config,
)
from orchestify_core.testing.servers import AnthropicServer, OpenAIServer, Reply
from orchestify_core.usage import Attempt, Outcome

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

pytestmark = pytest.mark.skipif(
    not all(
        importlib.util.find_spec(m)
        for m in ("orchestify_claude", "orchestify_openai", "orchestify_litellm")
    ),
    reason="the soak test drives all three plugins",
)

STREAMS = 200
KEY = "sk-soak-key"
PROVIDERS = {  # provider id -> (type, model, protocol, share of the streams)
    "claude": ("anthropic", "claude-haiku-4-5", "anthropic", 70),
    "openai": ("openai", "gpt-4o-mini", "openai", 70),
    "litellm_claude": ("litellm", "anthropic/claude-haiku-4-5", "anthropic", 30),
    "litellm_openai": ("litellm", "openai/gpt-4o-mini", "openai", 30),
}


def fault_replies(rng: random.Random, count: int) -> list[Reply | None]:
    """``count`` replies drawn from the fault mix; None stands for a success."""
    replies: list[Reply | None] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.10:
            replies.append(Reply(status=429, retry_after_ms=rng.choice([20, 50])))
        elif roll < 0.20:
            replies.append(Reply(status=429))
        elif roll < 0.30:
            replies.append(Reply(status=rng.choice([500, 503, 529])))
        elif roll < 0.40:
            replies.append(Reply("dropped " * 20, chunk_count=10, drop_after=rng.randint(2, 8)))
        elif roll < 0.45:
            replies.append(
                Reply("errored " * 20, chunk_count=10, stream_error_after=rng.randint(2, 8))
            )
        else:
            replies.append(None)
    return replies


class AttemptLog:
    """Observes every attempt through the core's hook."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, Attempt]] = []

    @hookimpl
    def orchestify_attempt_finished(self, provider: ProviderContext, attempt: Any) -> None:
        self.attempts.append((provider.provider_id, attempt))


def config_yaml(urls: dict[str, str]) -> str:
    lines = ["providers:"]
    for pid, (ptype, model, protocol, _) in PROVIDERS.items():
        lines += [
            f"  {pid}:",
            f"    type: {ptype}",
            f"    api_key: {KEY}",
            f"    default_model: {model}",
            f"    base_url: {urls[protocol]}",
            "    timeout: 20",
            "    retry: {max_retries: 4, initial_delay: 0.01, max_delay: 0.05, max_retry_after: 1}",
        ]
    return "\n".join(lines) + "\n"


async def test_soak_200_streams_with_faults(plugin_manager: pluggy.PluginManager) -> None:
    """Every request is one accounted attempt, reported tokens exact, nothing left open,
    and no stream ever ends as a truncated success."""
    rng = random.Random(20261125)
    loop_errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
    log = AttemptLog()
    plugin_manager.register(log)

    successes: dict[tuple[int, int], str] = {}
    serial = iter(range(1, 100_000))

    def success() -> Reply:
        n = next(serial)
        text = f"answer {n} " + "lorem ipsum " * rng.randint(2, 6)
        usage = (100 + n, 1000 + n)  # unique token counts identify the reply
        successes[usage] = text
        return Reply(text, chunk_count=rng.randint(3, 12), input_tokens=usage[0],
                     output_tokens=usage[1])  # fmt: skip

    async with AnthropicServer(api_key=KEY) as anthropic, OpenAIServer(api_key=KEY) as openai:
        servers = {"anthropic": anthropic, "openai": openai}
        for protocol, server in servers.items():
            share = sum(p[3] for p in PROVIDERS.values() if p[2] == protocol)
            mix = fault_replies(rng, share)
            # Successes fill the placeholders and cover every retry after them.
            server.enqueue(*(reply or success() for reply in mix))
            server.enqueue(*(success() for _ in range(share * 3)))
        registry = ProviderRegistry.from_config(
            loads_config(config_yaml({k: s.base_url for k, s in servers.items()})),
            plugin_manager=plugin_manager,
        )

        jobs = [pid for pid, spec in PROVIDERS.items() for _ in range(spec[3])]
        rng.shuffle(jobs)
        cancel = set(rng.sample(range(STREAMS), STREAMS * 5 // 100))

        async def one(index: int, pid: str) -> tuple[str, Any]:
            provider = registry.get(pid)
            chunks: list[str] = []
            try:
                async with provider.stream([LLMMessage(role="user", content=f"q{index}")]) as s:
                    async for chunk in s:
                        chunks.append(chunk)
                        if index in cancel:
                            return "cancelled", None
                    return "ok", (s.response, "".join(chunks))
            except ProviderError as exc:
                return "error", exc

        results = await asyncio.wait_for(
            asyncio.gather(*(one(i, pid) for i, pid in enumerate(jobs))), timeout=120
        )
        await registry.aclose()
        for server in servers.values():
            await server.wait_for_connections(0, within=10)

        # Every request the servers saw is exactly one accounted attempt, and vice versa.
        requests = sum(s.requests_received for s in servers.values())
        assert len(log.attempts) == requests
        totals = registry.get_total_usage()
        assert sum(u.attempts for u in totals.values()) == requests

        # No truncated success: every success is a whole scripted reply, text and tokens.
        kinds = Counter(kind for kind, _ in results)
        for kind, value in results:
            if kind != "ok":
                continue
            response, text = value
            key = (response.tokens_input, response.tokens_output)
            assert key in successes, key
            assert text == response.content == successes[key]
            assert not response.usage_estimated

        # Provider-reported token counts are exact: each completed attempt carries exactly
        # the counts of the scripted reply it received, and its caller got that reply.
        completed = Counter(
            (a.usage.input_tokens, a.usage.output_tokens, a.usage.estimated)
            for _, a in log.attempts
            if a.outcome is Outcome.COMPLETED
        )
        delivered = Counter(
            (r[1][0].tokens_input, r[1][0].tokens_output, False) for r in results if r[0] == "ok"
        )
        assert completed == delivered
        assert sum(k[0] * n for k, n in completed.items()) == sum(
            k[0] * n for k, n in delivered.items()
        )
        outcomes = Counter(a.outcome.value for _, a in log.attempts)
        assert outcomes["cancelled"] == kinds["cancelled"] > 0
        assert outcomes["completed"] == kinds["ok"]
        assert sum(outcomes.values()) == requests
        for usage in totals.values():
            assert sum(usage.outcomes.values()) == usage.attempts

        assert loop_errors == []
        print(
            f"\nsoak: {STREAMS} streams, {requests} requests, outcomes {dict(outcomes)}, "
            f"results {dict(kinds)}"
        )
    # With the servers stopped, nothing of the clients' is left running.
    await asyncio.sleep(0)
    assert {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} == set()
    assert loop_errors == []
