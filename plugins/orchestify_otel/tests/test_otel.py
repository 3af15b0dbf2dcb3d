"""The OpenTelemetry plugin, through real calls, read back with the SDK's in-memory
exporter and metric reader."""

from __future__ import annotations

import itertools
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from orchestify_otel import OTelPlugin, make_plugin

from orchestify_core import ConfigError, loads_config
from orchestify_core.errors import InternalServerError
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.scripted import ScriptedReply

CONFIG = """
providers:
  a:
    type: scripted
    default_model: model-a
    retry: {max_retries: 2, initial_delay: 0.001, jitter: 0}
    fallbacks: [b]
  b:
    type: scripted
    default_model: model-b
"""
HELLO = [{"role": "user", "content": "hello there"}]


class Telemetry:
    def __init__(self, capture_content: bool = False) -> None:
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[self.metrics])
        self.manager = create_plugin_manager()
        self.manager.register(
            OTelPlugin(capture_content=capture_content, tracer_provider=tracer_provider,
                       meter_provider=meter_provider),
            name="otel",
        )  # fmt: skip

    def registry(self, text: str = CONFIG) -> ProviderRegistry:
        return ProviderRegistry.from_config(loads_config(text), plugin_manager=self.manager)

    def points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


async def test_two_retries_and_a_failover_make_one_call_span_with_four_attempts() -> None:
    telemetry = Telemetry()
    registry = telemetry.registry()
    down = ScriptedReply(error=InternalServerError("overloaded", status_code=500))
    registry.get("a").client.enqueue(down, down, down)
    response = await registry.get("a").complete(HELLO)
    assert response.provider_id == "b"

    spans = telemetry.spans.get_finished_spans()
    (call,) = [s for s in spans if s.parent is None]
    attempts = sorted((s for s in spans if s.parent is not None),
                      key=lambda s: s.attributes["orchestify.attempt"])  # fmt: skip
    assert call.name == "chat model-a"
    assert call.kind is SpanKind.INTERNAL
    assert call.status.status_code is StatusCode.UNSET
    assert call.attributes["gen_ai.operation.name"] == "chat"
    assert call.attributes["gen_ai.provider.name"] == "scripted"
    assert call.attributes["gen_ai.request.model"] == "model-a"
    assert call.attributes["gen_ai.response.model"] == "model-b"
    assert call.attributes["gen_ai.usage.input_tokens"] == response.tokens_input
    assert call.attributes["gen_ai.usage.output_tokens"] == response.tokens_output
    assert call.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert call.attributes["orchestify.attempts"] == 4
    assert call.attributes["orchestify.served_by"] == "b"
    assert "gen_ai.input.messages" not in call.attributes  # content is off by default

    assert [s.attributes["orchestify.provider.id"] for s in attempts] == ["a", "a", "a", "b"]
    assert [s.name for s in attempts] == ["chat model-a"] * 3 + ["chat model-b"]
    assert all(s.parent.span_id == call.context.span_id for s in attempts)
    assert all(s.context.trace_id == call.context.trace_id for s in attempts)
    assert all(s.kind is SpanKind.CLIENT for s in attempts)
    assert [s.status.status_code for s in attempts] == [StatusCode.ERROR] * 3 + [StatusCode.UNSET]
    assert [s.attributes.get("error.type") for s in attempts] == ["InternalServerError"] * 3 + [
        None
    ]
    assert attempts[3].attributes["orchestify.outcome"] == "completed"
    # In order, inside the call: each attempt ends before the next starts.
    assert call.start_time <= attempts[0].start_time
    for before, after in itertools.pairwise(attempts):
        assert before.end_time <= after.start_time
    assert attempts[-1].end_time <= call.end_time
    await registry.aclose()


async def test_metrics_count_tokens_and_durations_per_attempt() -> None:
    telemetry = Telemetry()
    registry = telemetry.registry()
    down = ScriptedReply(error=InternalServerError("overloaded", status_code=500))
    registry.get("a").client.enqueue(down)
    response = await registry.get("a").complete(HELLO)
    durations = telemetry.points("gen_ai.client.operation.duration")
    assert sum(p.count for p in durations) == 2
    failed = [p for p in durations if p.attributes.get("error.type") == "InternalServerError"]
    assert sum(p.count for p in failed) == 1
    tokens = {
        p.attributes["gen_ai.token.type"]: p for p in telemetry.points("gen_ai.client.token.usage")
    }
    assert tokens["input"].sum == response.tokens_input
    assert tokens["output"].sum == response.tokens_output
    assert tokens["input"].attributes["gen_ai.provider.name"] == "scripted"
    await registry.aclose()


async def test_a_failed_call_and_a_stream() -> None:
    telemetry = Telemetry()
    registry = telemetry.registry(CONFIG.replace("    fallbacks: [b]\n", ""))
    down = ScriptedReply(error=InternalServerError("overloaded", status_code=500))
    registry.get("a").client.enqueue(down, down, down)
    with pytest.raises(InternalServerError):
        await registry.get("a").complete(HELLO)
    text = "".join([chunk async for chunk in registry.get("b").stream(HELLO)])
    spans = [s for s in telemetry.spans.get_finished_spans() if s.parent is None]
    failed, streamed = spans
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes["error.type"] == "InternalServerError"
    assert failed.attributes["orchestify.attempts"] == 3
    assert streamed.attributes["orchestify.stream"] is True
    assert streamed.attributes["gen_ai.usage.output_tokens"] > 0
    assert text == "echo: hello there"
    await registry.aclose()


async def test_content_only_when_enabled() -> None:
    telemetry = Telemetry(capture_content=True)
    registry = telemetry.registry()
    await registry.get("b").complete([{"role": "system", "content": "be brief"}, *HELLO])
    (call,) = [s for s in telemetry.spans.get_finished_spans() if s.parent is None]
    assert "hello there" in call.attributes["gen_ai.input.messages"]
    assert "be brief" in call.attributes["gen_ai.system_instructions"]
    assert "echo: hello there" in call.attributes["gen_ai.output.messages"]
    await registry.aclose()


def test_settings_are_checked() -> None:
    assert make_plugin({"capture_content": True}).capture_content is True
    with pytest.raises(ConfigError, match=r"plugins\.otel\.capture: unknown setting"):
        make_plugin({"capture": True})
    with pytest.raises(
        ConfigError, match=r"plugins\.otel\.capture_content: expected true or false"
    ):
        make_plugin({"capture_content": "yes"})


def test_enabled_from_config_as_a_cross_cutting_plugin() -> None:
    manager = create_plugin_manager()
    text = CONFIG + "plugins:\n  otel: {capture_content: true}\n"
    registry = ProviderRegistry.from_config(loads_config(text), plugin_manager=manager)
    plugin = manager.get_plugin("otel")
    assert isinstance(plugin, OTelPlugin)
    assert plugin.capture_content is True
    assert manager.owner("otel") is None  # never a provider type
    assert registry.get("a")._hooks.orchestify_call_finished.get_hookimpls()


def test_an_unknown_plugin_is_named() -> None:
    text = CONFIG + "plugins:\n  otle: {}\n"
    with pytest.raises(
        ConfigError, match=r"plugins\.otle: no installed plugin 'otle'.*installed: otel"
    ):
        ProviderRegistry.from_config(loads_config(text), plugin_manager=create_plugin_manager())


def test_nothing_is_imported_unless_enabled() -> None:
    script = (
        "import sys\n"
        "from orchestify_core import loads_config\n"
        "from orchestify_core.registry import ProviderRegistry\n"
        f"ProviderRegistry.from_config(loads_config({CONFIG!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'orchestify_otel'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
