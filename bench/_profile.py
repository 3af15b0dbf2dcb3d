"""Where orchestify's time goes: an in-situ split of one call, without a tracing profiler.

``python -m bench._profile`` (or ``python -m bench --profile``, which adds the split to
``results.json``) makes orchestify calls against a loopback server with a few of the layer's
functions wrapped in timers: the SDK call itself (for streams: creating the stream, every
``__anext__`` and ``close``), the core's ``_build_request`` and ``_account``, its per-call
machinery (the pluggy dispatch of the plugin's hook, the attempt's deadline timer, the
breaker, the ``LLMResponse.usage`` rebuilt for accounting), and the plugin's request and
response translations, each when it is found under its current name. What the wrappers do
not cover is ``rest``: the retry and failover loops, the plugin's own glue around the SDK
call, the generator layers of a stream, attribute copies.

A tracing profiler (cProfile, line_profiler) inflates small functions several times over;
these timers cost about 0.2 us each and leave the rest of the call alone. Numbers are per
call (per stream) and include the wrappers' own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import importlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ._calls import MODELS, PROVIDERS, Orchestify, Workload, plain, short_stream

__all__ = ["main", "profile_layer"]

#: (module, attribute) of functions timed when they exist; the plugins' names may change.
_PLUGIN_FUNCTIONS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "anthropic": (
        ("orchestify_claude.plugin", "build_params"),
        ("orchestify_claude.plugin", "to_response"),
        ("orchestify_claude._stream", "build_params"),
    ),
    "openai": (
        ("orchestify_openai.plugin", "build_params"),
        ("orchestify_openai.plugin", "to_response"),
        ("orchestify_openai._stream", "build_params"),
    ),
}
#: (module, class, attribute, label) of the core's per-call machinery, timed when found. None
#: runs inside another timed function (the hooks that do, validation and capabilities, are
#: cached after the warm-up); two entries with one label add up. The hook dispatch includes
#: the plugin's hook function, which only creates the coroutine or generator.
_CORE_METHODS: tuple[tuple[str, str, str, str], ...] = (
    ("pluggy", "HookCaller", "__call__", "core hook dispatch (pluggy)"),
    ("orchestify_core.streaming", "Deadline", "__init__", "core attempt deadline (timer)"),
    ("orchestify_core.streaming", "Deadline", "cancel", "core attempt deadline (timer)"),
    ("orchestify_core.breaker", "CircuitBreaker", "before_call", "core circuit breaker"),
    ("orchestify_core.breaker", "CircuitBreaker", "after_call", "core circuit breaker"),
    ("orchestify_core.models", "LLMResponse", "usage", "core LLMResponse.usage rebuild"),
)
_PLUGIN_METHODS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "anthropic": (("orchestify_claude._stream", "StreamTranslator", "feed"),),
    "openai": (),
}


class _Clock:
    """Seconds spent per label."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def add(self, label: str, seconds: float) -> None:
        self.spent[label] = self.spent.get(label, 0.0) + seconds

    def reset(self) -> None:
        self.spent = dict.fromkeys(self.spent, 0.0)


def _timed(function: Callable[..., Any], label: str, clock: _Clock) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            clock.add(label, time.perf_counter() - started)

    return wrapper


class _TimedStream:
    """An SDK stream whose every step is charged to the SDK."""

    def __init__(self, inner: Any, clock: _Clock) -> None:
        self._inner = inner
        self._clock = clock

    def __aiter__(self) -> _TimedStream:
        return self

    async def __anext__(self) -> Any:
        started = time.perf_counter()
        try:
            return await self._inner.__anext__()
        finally:
            self._clock.add("sdk", time.perf_counter() - started)

    async def close(self) -> None:
        started = time.perf_counter()
        try:
            await self._inner.close()
        finally:
            self._clock.add("sdk", time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _sdk_resource(provider: str, client: Any) -> Any:
    return client.messages if provider == "anthropic" else client.chat.completions


@contextmanager
def _instrumented(provider: str, target: Orchestify, clock: _Clock) -> Iterator[None]:
    """Wrap the functions in timers for the duration of the block; restore them after."""
    from orchestify_core.provider import LLMProvider

    restore: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, label: str) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        restore.append((owner, name, original))
        if isinstance(original, property) and original.fget is not None:
            setattr(owner, name, property(_timed(original.fget, label, clock)))
        else:
            setattr(owner, name, _timed(getattr(owner, name), label, clock))

    patch(LLMProvider, "_build_request", "core _build_request")
    patch(importlib.import_module("orchestify_core._attempts"), "_account", "core _account")
    for module_name, attribute in _PLUGIN_FUNCTIONS[provider]:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if callable(getattr(module, attribute, None)):
            patch(module, attribute, f"{module_name.split('.')[0]} {attribute}")
    for module_name, class_name, method, label in _CORE_METHODS:
        try:
            owner = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        if method in owner.__dict__:
            patch(owner, method, label)
    for module_name, class_name, method in _PLUGIN_METHODS[provider]:
        try:
            owner = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        if method in owner.__dict__:
            patch(owner, method, f"{module_name.split('.')[0]} {class_name}.{method}")

    resource = _sdk_resource(provider, target.llm.client)
    create = resource.create

    async def timed_create(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await create(*args, **kwargs)
        finally:
            clock.add("sdk", time.perf_counter() - started)
        return _TimedStream(result, clock) if kwargs.get("stream") else result

    resource.create = timed_create
    try:
        yield
    finally:
        del resource.create  # the instance attribute; the class method shows again
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)


async def _one(target: Orchestify, streaming: bool) -> None:
    if streaming:
        await target.stream()
    else:
        await target.complete()


async def profile_layer(
    base_url: str, provider: str, *, streaming: bool, calls: int, warmup: int = 200
) -> dict[str, Any]:
    """The split of ``calls`` orchestify calls (or ten-chunk streams), per call in us."""
    workload: Workload = short_stream() if streaming else plain()
    target = Orchestify(provider, base_url, workload)
    clock = _Clock()
    try:
        with _instrumented(provider, target, clock):
            for _ in range(warmup):
                await _one(target, streaming)
            gc.collect()
            gc.freeze()
            clock.reset()
            started = time.perf_counter()
            for _ in range(calls):
                await _one(target, streaming)
            total = time.perf_counter() - started
            gc.unfreeze()
    finally:
        await target.aclose()
    per_call = {label: spent / calls * 1e6 for label, spent in clock.spent.items()}
    sdk = per_call.pop("sdk", 0.0)
    layer = total / calls * 1e6 - sdk
    return {
        "provider": provider,
        "model": MODELS[provider],
        "kind": "ten-chunk stream" if streaming else "non-streaming call",
        "calls": calls,
        "total_us": total / calls * 1e6,
        "sdk_us": sdk,
        "layer_us": layer,
        "parts_us": dict(sorted(per_call.items(), key=lambda item: -item[1])),
        "rest_us": layer - sum(per_call.values()),
    }


async def profile_all(
    servers: Mapping[str, str], *, calls: int, streams: int, warmup: int = 200
) -> list[dict[str, Any]]:
    """The split for every provider with an orchestify plugin, plain calls and streams."""
    from ._calls import available_clients

    splits = []
    for provider, base_url in servers.items():
        if "orchestify" not in available_clients(provider, streaming=False):
            continue
        for streaming, count in ((False, calls), (True, streams)):
            splits.append(
                await profile_layer(
                    base_url, provider, streaming=streaming, calls=count, warmup=warmup
                )
            )
    return splits


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._profile", description=__doc__)
    parser.add_argument("--provider", choices=PROVIDERS, action="append")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    from orchestify_core.testing.servers import ServerProcess

    splits: list[dict[str, Any]] = []
    for provider in args.provider or PROVIDERS:
        with ServerProcess(provider, record_limit=0) as server:
            splits += asyncio.run(
                profile_all({provider: server.base_url}, calls=args.calls, streams=args.streams)
            )
    if args.json:
        print(json.dumps(splits, indent=2))
        return 0
    for split in splits:
        print(
            f"{split['provider']} {split['kind']}: total {split['total_us']:.1f} us, "
            f"SDK {split['sdk_us']:.1f} us, orchestify {split['layer_us']:.1f} us"
        )
        for label, spent in split["parts_us"].items():
            print(f"    {label:<50} {spent:7.2f} us")
        rest = "rest (loops, glue, generator layers)"
        print(f"    {rest:<50} {split['rest_us']:7.2f} us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
