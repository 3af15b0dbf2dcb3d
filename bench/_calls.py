"""The clients under test: one small adapter per way of making the same call.

Every adapter sends the same request (one user message, ``max_tokens=256``, the same model;
``temperature=0.7`` to OpenAI; no temperature to Anthropic, whose Messages API as the
installed SDK speaks it has none, and which orchestify's ``anthropic`` type does not send
by default) to the same loopback server, and reads the whole answer, so the only difference
between two adapters is the client code in between:

- ``raw``: the provider's SDK, as its documentation shows (``messages.create`` /
  ``chat.completions.create``; for streams, ``stream=True`` iterating the raw events).
- ``raw-helper``: Anthropic's ``messages.stream()`` helper (streams only), which
  assembles a message snapshot on every event and is known to be slower than raw events.
- ``orchestify``: :class:`orchestify_core.LLMProvider`, built by
  ``ProviderRegistry.from_config(loads_config(...))`` with the default config, only the
  ``base_url`` pointing at the server.
- ``orchestify-otel``: the same provider with orchestify-otel's spans and metrics on.
- ``orchestify-sdk``: the same provider with ``options: {decode: sdk}``, so the SDK parses
  the answers into its objects (the plugins' path before the fast path), for comparison.
- ``litellm``: ``litellm.acompletion`` with ``anthropic/...`` or ``openai/...`` models and
  ``api_base``.
- ``orchestify-litellm``: orchestify's ``litellm`` provider type, when installed (its
  reference is ``litellm``, not the raw SDK).

Streamed replies are scripted with the loopback servers' ``x-loopback-reply`` header: SDK
clients and orchestify providers send it as a default header, LiteLLM per call, so every
client receives byte-for-byte the same stream.
"""

from __future__ import annotations

import abc
import importlib.util
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from orchestify_core.testing.servers import REPLY_HEADER, Reply, reply_to_dict

__all__ = [
    "API_KEY",
    "CLIENTS",
    "MAX_TOKENS",
    "MESSAGES",
    "MODELS",
    "PROVIDERS",
    "TEMPERATURE",
    "StreamTiming",
    "Target",
    "Workload",
    "available_clients",
    "build_targets",
    "long_stream",
    "plain",
    "short_stream",
]

API_KEY = "bench-key"
PROVIDERS: tuple[str, ...] = ("anthropic", "openai")
MODELS: Mapping[str, str] = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4o-mini"}
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hello"}]
MAX_TOKENS = 256
TEMPERATURE = 0.7

#: Every kind of client, in the order the report lists them.
CLIENTS: tuple[str, ...] = (
    "raw",
    "raw-helper",
    "orchestify",
    "orchestify-sdk",
    "orchestify-otel",
    "litellm",
    "orchestify-litellm",
)

#: The distribution each orchestify provider type needs (its plugin).
_PLUGIN_MODULES: Mapping[str, str] = {
    "anthropic": "orchestify_claude",
    "openai": "orchestify_openai",
    "litellm": "orchestify_litellm",
}


@attrs.frozen
class Workload:
    """What the server answers: ``reply`` is sent in the reply header (None: the echo)."""

    name: str
    reply: Reply | None = None
    text_chunks: int | None = None

    @property
    def headers(self) -> dict[str, str]:
        if self.reply is None:
            return {}
        return {REPLY_HEADER: json.dumps(reply_to_dict(self.reply), separators=(",", ":"))}


def plain() -> Workload:
    """A non-streaming call answered with the server's default echo."""
    return Workload("plain")


def _words(count: int) -> str:
    """``count`` distinct six-character words (LiteLLM fails a stream that repeats a chunk)."""
    return "".join(f"w{number:04d} " for number in range(count))


def short_stream(chunks: int = 10) -> Workload:
    """A short stream, to time the first token."""
    return Workload("short-stream", Reply(text=_words(chunks), chunk_count=chunks), chunks)


def long_stream(chunks: int = 1000) -> Workload:
    """A long stream (``chunks`` text deltas of six characters), to time each chunk."""
    return Workload("long-stream", Reply(text=_words(chunks), chunk_count=chunks), chunks)


@attrs.frozen
class StreamTiming:
    """When the first text chunk reached the caller, and how many text chunks came."""

    first_wall: float
    first_cpu: float
    chunks: int


class _FirstChunk:
    """Records the clocks at the first text chunk of a stream; counts the chunks."""

    __slots__ = ("chunks", "first_cpu", "first_wall")

    def __init__(self) -> None:
        self.chunks = 0
        self.first_wall = 0.0
        self.first_cpu = 0.0

    def hit(self) -> None:
        if not self.chunks:
            self.first_wall = time.perf_counter()
            self.first_cpu = time.process_time()
        self.chunks += 1

    def timing(self) -> StreamTiming:
        if not self.chunks:
            raise RuntimeError("the stream delivered no text")
        return StreamTiming(self.first_wall, self.first_cpu, self.chunks)


class Target(abc.ABC):
    """One client making one kind of call against one provider's server."""

    client: str = ""
    reference: str = "raw"
    streams_only = False

    def __init__(self, provider: str, base_url: str, workload: Workload) -> None:
        self.provider = provider
        self.base_url = base_url
        self.workload = workload
        self.model = MODELS[provider]

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.client}"

    @abc.abstractmethod
    async def complete(self) -> str:
        """One non-streaming call; returns the answer's text."""

    @abc.abstractmethod
    async def stream(self) -> StreamTiming:
        """One streamed call, read to its end."""

    async def aclose(self) -> None:
        """Release the client's connections (LiteLLM keeps its own; nothing to do)."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key} {self.workload.name}>"


# --------------------------------------------------------------------------- raw SDKs


class RawAnthropic(Target):
    client = "raw"

    def __init__(self, provider: str, base_url: str, workload: Workload) -> None:
        super().__init__(provider, base_url, workload)
        import anthropic

        # Typed Any: the benchmark passes plain dicts, as most callers do.
        self._sdk: Any = anthropic.AsyncAnthropic(
            api_key=API_KEY, base_url=base_url, default_headers=workload.headers or None
        )

    async def complete(self) -> str:
        message = await self._sdk.messages.create(
            model=self.model, max_tokens=MAX_TOKENS, messages=MESSAGES
        )
        return "".join(block.text for block in message.content if block.type == "text")

    async def stream(self) -> StreamTiming:
        first = _FirstChunk()
        events = await self._sdk.messages.create(
            model=self.model, max_tokens=MAX_TOKENS, messages=MESSAGES, stream=True
        )
        async for event in events:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                first.hit()
        return first.timing()

    async def aclose(self) -> None:
        await self._sdk.close()


class RawAnthropicHelper(RawAnthropic):
    """``messages.stream()``: the SDK's helper, which accumulates a snapshot per event."""

    client = "raw-helper"
    streams_only = True

    async def complete(self) -> str:  # pragma: no cover - never scheduled for plain calls
        raise NotImplementedError("the stream helper only streams")

    async def stream(self) -> StreamTiming:
        first = _FirstChunk()
        async with self._sdk.messages.stream(
            model=self.model, max_tokens=MAX_TOKENS, messages=MESSAGES
        ) as events:
            async for text in events.text_stream:
                if text:
                    first.hit()
        return first.timing()


class RawOpenAI(Target):
    client = "raw"

    def __init__(self, provider: str, base_url: str, workload: Workload) -> None:
        super().__init__(provider, base_url, workload)
        import openai

        self._sdk: Any = openai.AsyncOpenAI(
            api_key=API_KEY, base_url=base_url, default_headers=workload.headers or None
        )

    async def complete(self) -> str:
        completion = await self._sdk.chat.completions.create(
            model=self.model, max_tokens=MAX_TOKENS, temperature=TEMPERATURE, messages=MESSAGES
        )
        return completion.choices[0].message.content or ""

    async def stream(self) -> StreamTiming:
        first = _FirstChunk()
        chunks = await self._sdk.chat.completions.create(
            model=self.model,
            max_tokens=MAX_TOKENS,
            temperature=TEMPERATURE,
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in chunks:
            if chunk.choices and chunk.choices[0].delta.content:
                first.hit()
        return first.timing()

    async def aclose(self) -> None:
        await self._sdk.close()


# --------------------------------------------------------------------------- orchestify


def _provider_config(
    provider_type: str,
    model: str,
    base_url: str,
    workload: Workload,
    options: Mapping[str, Any] | None = None,
) -> str:
    """The YAML of a one-provider config: the defaults, but the base_url (and reply header).

    Written as JSON, which is YAML, so the header's JSON value needs no YAML quoting.
    """
    settings: dict[str, Any] = {
        "type": provider_type,
        "api_key": API_KEY,
        "default_model": model,
        "base_url": base_url,
    }
    if workload.headers:
        settings["headers"] = workload.headers
    if options:
        settings["options"] = dict(options)
    return json.dumps({"providers": {"bench": settings}}, indent=2)


class Orchestify(Target):
    client = "orchestify"
    provider_type: str | None = None  # None: the same as the server's provider
    options: Mapping[str, Any] | None = None

    def __init__(self, provider: str, base_url: str, workload: Workload) -> None:
        super().__init__(provider, base_url, workload)
        from orchestify_core import ProviderRegistry, loads_config

        provider_type = self.provider_type or provider
        text = _provider_config(provider_type, self._model_id(), base_url, workload, self.options)
        self.registry = ProviderRegistry.from_config(
            loads_config(text, file="<bench>"), plugin_manager=self._plugin_manager()
        )
        self.llm = self.registry.get("bench")

    def _plugin_manager(self) -> Any:
        return None  # the process-wide one

    def _model_id(self) -> str:
        return self.model

    async def complete(self) -> str:
        response = await self.llm.complete(MESSAGES, max_tokens=MAX_TOKENS, temperature=TEMPERATURE)
        return response.content

    async def stream(self) -> StreamTiming:
        first = _FirstChunk()
        async for text in self.llm.stream(MESSAGES, max_tokens=MAX_TOKENS, temperature=TEMPERATURE):
            if text:
                first.hit()
        return first.timing()

    async def aclose(self) -> None:
        await self.registry.aclose()


class OrchestifySDKDecode(Orchestify):
    """orchestify with ``options: {decode: sdk}``: the SDK parses the answers (the plugins'
    path before they decoded the wire themselves), shown beside the default fast path."""

    client = "orchestify-sdk"
    options = {"decode": "sdk"}


class OrchestifyOTel(Orchestify):
    """orchestify with orchestify-otel on: a span per call and per attempt and the GenAI
    metrics, through the OpenTelemetry SDK (batch span processor, spans discarded at
    export), to show what telemetry adds per call."""

    client = "orchestify-otel"
    reference = "orchestify"

    def _plugin_manager(self) -> Any:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            SpanExporter,
            SpanExportResult,
        )
        from orchestify_otel import OTelPlugin

        from orchestify_core.plugins import create_plugin_manager

        class Discard(SpanExporter):
            def export(self, spans: Any) -> SpanExportResult:
                return SpanExportResult.SUCCESS

        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(BatchSpanProcessor(Discard()))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        manager = create_plugin_manager()
        plugin = OTelPlugin(tracer_provider=tracer_provider, meter_provider=meter_provider)
        manager.register(plugin, name="otel")
        return manager


class OrchestifyLiteLLM(Orchestify):
    """orchestify's ``litellm`` provider type: compared with ``litellm.acompletion``."""

    client = "orchestify-litellm"
    reference = "litellm"
    provider_type = "litellm"

    def _model_id(self) -> str:
        return f"{self.provider}/{self.model}"


# --------------------------------------------------------------------------- LiteLLM


def import_litellm() -> Any:
    """Import LiteLLM quietly (the cost map was made local by ``bench/__init__``)."""
    import litellm

    litellm.suppress_debug_info = True
    if hasattr(litellm, "telemetry"):
        litellm.telemetry = False
    return litellm


class LiteLLM(Target):
    client = "litellm"

    def __init__(self, provider: str, base_url: str, workload: Workload) -> None:
        super().__init__(provider, base_url, workload)
        self._litellm = import_litellm()
        self._kwargs: dict[str, Any] = {
            "model": f"{provider}/{self.model}",
            "api_base": base_url,
            "api_key": API_KEY,
            "messages": MESSAGES,
            "max_tokens": MAX_TOKENS,
        }
        if provider == "openai":
            self._kwargs["temperature"] = TEMPERATURE
        if workload.headers:
            self._kwargs["extra_headers"] = workload.headers

    async def complete(self) -> str:
        response = await self._litellm.acompletion(**self._kwargs)
        return str(response.choices[0].message.content or "")

    async def stream(self) -> StreamTiming:
        first = _FirstChunk()
        extra: dict[str, Any] = {"stream": True}
        if self.provider == "openai":
            extra["stream_options"] = {"include_usage": True}
        chunks = await self._litellm.acompletion(**self._kwargs, **extra)
        async for chunk in chunks:
            if chunk.choices and chunk.choices[0].delta.content:
                first.hit()
        return first.timing()


# --------------------------------------------------------------------------- building

_FACTORIES: Mapping[tuple[str, str], type[Target]] = {
    ("anthropic", "raw"): RawAnthropic,
    ("anthropic", "raw-helper"): RawAnthropicHelper,
    ("openai", "raw"): RawOpenAI,
    ("anthropic", "orchestify"): Orchestify,
    ("openai", "orchestify"): Orchestify,
    ("anthropic", "orchestify-sdk"): OrchestifySDKDecode,
    ("openai", "orchestify-sdk"): OrchestifySDKDecode,
    ("anthropic", "orchestify-otel"): OrchestifyOTel,
    ("openai", "orchestify-otel"): OrchestifyOTel,
    ("anthropic", "litellm"): LiteLLM,
    ("openai", "litellm"): LiteLLM,
    ("anthropic", "orchestify-litellm"): OrchestifyLiteLLM,
    ("openai", "orchestify-litellm"): OrchestifyLiteLLM,
}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _orchestify_type_available(provider_type: str) -> bool:
    """Whether the plugin of ``provider_type`` is installed (its entry point is visible)."""
    from orchestify_core.plugins import installed_plugins

    if not _installed(_PLUGIN_MODULES[provider_type]):
        return False
    return any(info.provider_type == provider_type for info in installed_plugins())


def available_clients(provider: str, *, streaming: bool) -> list[str]:
    """The client kinds that can run against ``provider``'s server here, in report order."""
    kinds: list[str] = []
    for kind in CLIENTS:
        if (provider, kind) not in _FACTORIES:
            continue
        if kind == "raw-helper" and not streaming:
            continue
        if kind in ("orchestify", "orchestify-sdk", "orchestify-otel") and not (
            _orchestify_type_available(provider)
        ):
            continue
        if kind == "orchestify-otel" and not (
            _installed("orchestify_otel") and _installed("opentelemetry.sdk")
        ):
            continue
        if kind == "orchestify-litellm" and not _orchestify_type_available("litellm"):
            continue
        if kind in ("litellm", "orchestify-litellm") and not _installed("litellm"):
            continue
        kinds.append(kind)
    return kinds


def build_targets(
    servers: Mapping[str, str],
    workload: Workload,
    *,
    streaming: bool,
    clients: Sequence[str] | None = None,
) -> list[Target]:
    """One target per available (provider, client kind), for ``workload``.

    :param servers: provider -> the base URL of its loopback server.
    :param clients: only these kinds (default: every available one).
    """
    targets: list[Target] = []
    for provider, base_url in servers.items():
        for kind in available_clients(provider, streaming=streaming):
            if clients is not None and kind not in clients:
                continue
            targets.append(_FACTORIES[provider, kind](provider, base_url, workload))
    return targets
