"""A circuit breaker shared through a real Redis: two workers (registries) open, half-open
and close together."""

from __future__ import annotations

import asyncio

import pytest

from orchestify_core import CircuitOpenError, loads_config
from orchestify_core.errors import InternalServerError
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.scripted import ScriptedReply

HELLO = [{"role": "user", "content": "hello"}]
DOWN = ScriptedReply(error=InternalServerError("down", status_code=503))


def config(redis: RedisServer, prefix: str, recovery: float = 60) -> str:
    return (
        "providers:\n  p:\n    type: scripted\n    default_model: m\n"
        "    retry: {max_retries: 0}\n"
        f"    circuit_breaker: {{failure_threshold: 2, recovery_time: {recovery}, shared: true}}\n"
        f"fleet: {{url: '{redis.url}', prefix: {prefix}}}\n"
    )


async def settle(*registries: ProviderRegistry) -> None:
    """Wait until the outcomes reported in the background reached the store."""
    for registry in registries:
        gate = registry.get("p")._gate
        assert gate is not None
        await gate.aclose()


async def test_failures_of_two_workers_add_up_and_open_it_for_both(
    redis_server: RedisServer, prefix: str
) -> None:
    one = ProviderRegistry.from_config(loads_config(config(redis_server, prefix)))
    two = ProviderRegistry.from_config(loads_config(config(redis_server, prefix)))
    one.get("p").client.enqueue(DOWN)
    two.get("p").client.enqueue(DOWN)
    with pytest.raises(InternalServerError):
        await one.get("p").complete(HELLO)
    await settle(one)
    with pytest.raises(InternalServerError):  # the second failure in a row, in another worker
        await two.get("p").complete(HELLO)
    await settle(two)
    for registry in (one, two):
        with pytest.raises(CircuitOpenError, match="shared by the fleet"):
            await registry.get("p").complete(HELLO)
    breaker = one.get("p")._breaker
    assert (await breaker.shared_state()).value == "open"  # type: ignore[attr-defined]
    assert len(one.get("p").client.requests) == 1
    assert len(two.get("p").client.requests) == 1  # refused calls reached nobody
    await one.aclose()
    await two.aclose()


async def test_one_trial_for_the_fleet_then_closed_for_all(
    redis_server: RedisServer, prefix: str
) -> None:
    text = config(redis_server, prefix, recovery=0.05)
    one = ProviderRegistry.from_config(loads_config(text))
    two = ProviderRegistry.from_config(loads_config(text))
    one.get("p").client.enqueue(DOWN, DOWN)
    for _ in range(2):
        with pytest.raises(InternalServerError):
            await one.get("p").complete(HELLO)
        await settle(one)
    breaker = two.get("p")._breaker
    while (await breaker.shared_state()).value != "half_open":  # type: ignore[attr-defined]
        pass  # recovery_time passes on Redis's clock
    # Both ask at once (both admissions reach Redis before either call ends): one trial
    # slot for the fleet, so exactly one goes through and the other is refused.
    results = await asyncio.gather(
        two.get("p").complete(HELLO), one.get("p").complete(HELLO), return_exceptions=True
    )
    await settle(one, two)
    answers = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, CircuitOpenError)]
    assert len(answers) == 1
    assert len(refused) == 1
    assert answers[0].content == "echo: hello"
    await one.get("p").complete(HELLO)  # closed again, for every worker
    assert (await breaker.shared_state()).value == "closed"  # type: ignore[attr-defined]
    await one.aclose()
    await two.aclose()
