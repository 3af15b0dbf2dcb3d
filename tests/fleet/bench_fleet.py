"""Added time per call of telemetry and rate limits (a one-off measurement, not a test).

    LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python tests/fleet/bench_fleet.py [CALLS]

Sequential ``complete()`` and ``stream()`` calls to the scripted provider (no network, so
the whole difference is the layer's), median of 5 rounds, for: nothing configured; the
OpenTelemetry plugin with the SDK's tracer (the batch span processor, as in production,
into the in-memory exporter) and meter (an in-memory reader); a local rate limit too high to wait; the same
limit shared through a real redis-server on loopback.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from orchestify_core import loads_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer

PROVIDER = "providers:\n  p:\n    type: scripted\n    default_model: scripted-1\n"
MESSAGES = [{"role": "user", "content": "hello there"}]


def telemetry_manager() -> object:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from orchestify_otel import OTelPlugin

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    manager = create_plugin_manager()
    manager.register(OTelPlugin(tracer_provider=tracer_provider, meter_provider=meter_provider),
                     name="otel")  # fmt: skip
    return manager


async def per_call(text: str, calls: int, stream: bool, manager: object = None) -> float:
    registry = ProviderRegistry.from_config(loads_config(text), plugin_manager=manager)  # type: ignore[arg-type]
    provider = registry.get("p")

    async def one() -> None:
        if stream:
            async for _ in provider.stream(MESSAGES):
                pass
        else:
            await provider.complete(MESSAGES)

    for _ in range(50):
        await one()
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(calls):
            await one()
        rounds.append((time.perf_counter() - started) / calls)
    await registry.aclose()
    return statistics.median(rounds)


def main(calls: int) -> None:
    limit = "    rate_limits: {requests_per_minute: 100000000}\n"
    with RedisServer() as redis:
        shared = (
            "    rate_limits: {requests_per_minute: 100000000, shared: true}\n"
            f"fleet: {{url: '{redis.url}', prefix: bench}}\n"
        )
        cases = {
            "nothing": (PROVIDER, None),
            "telemetry (OTel SDK)": (PROVIDER, telemetry_manager()),
            "local rate limit": (PROVIDER + limit, None),
            "shared rate limit (redis)": (PROVIDER + shared, None),
        }
        for stream in (False, True):
            base = None
            for name, (text, manager) in cases.items():
                seconds = asyncio.run(per_call(text, calls, stream, manager))
                base = seconds if base is None else base
                added = "" if seconds is base else f"  (+{(seconds - base) * 1e6:,.0f} µs)"
                kind = "stream  " if stream else "complete"
                print(f"{kind} {name:28} {seconds * 1e6:8,.0f} µs per call{added}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
