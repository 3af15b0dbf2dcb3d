"""One rule for event loops: a provider works from any loop and any thread.

The core keeps one client per event loop (orchestify_core/context.py): engines call
``asyncio.run`` from sync code again and again, or run worker threads with loops of their
own, and an SDK client bound to a closed or foreign loop fails ("Event loop is closed").
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from orchestify_core import LLMMessage, LLMProvider, ProviderRegistry, loads_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.testing.servers import ServerProcess

from ..conftest import installed

TYPES = {
    "anthropic": ("orchestify_claude", "claude-sonnet-4-6"),
    "openai": ("orchestify_openai", "gpt-4o-mini"),
}


@pytest.fixture(scope="module", params=sorted(TYPES))
def provider(request: pytest.FixtureRequest) -> Iterator[LLMProvider]:
    provider_type: str = request.param
    package, model = TYPES[provider_type]
    if not installed(package):
        pytest.skip(f"{package} is not installed")
    with ServerProcess(provider_type) as server:
        config = loads_config(
            f"providers:\n  p:\n    type: {provider_type}\n    api_key: k-loops\n"
            f"    default_model: {model}\n    base_url: {server.base_url}\n"
        )
        registry = ProviderRegistry.from_config(config, plugin_manager=create_plugin_manager())
        yield registry.get("p")


async def _complete_and_stream(provider: LLMProvider, text: str) -> tuple[str, str]:
    answer = await provider.complete([LLMMessage(role="user", content=text)])
    streamed = "".join([c async for c in provider.stream([LLMMessage(role="user", content=text)])])
    return answer.content, streamed


def _task_errors(loop: asyncio.AbstractEventLoop) -> list[dict[str, object]]:
    errors: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    return errors


def test_asyncio_run_again_and_again(provider: LLMProvider) -> None:
    """Three ``asyncio.run`` in a row: each loop gets a working client, and the client of
    a loop that has ended is closed by the next loop, with no error in it."""
    provider.reset_usage()
    errors: list[dict[str, object]] = []

    async def run(n: int) -> tuple[str, str]:
        errors.extend(_task_errors(asyncio.get_running_loop()))
        result = await _complete_and_stream(provider, f"run {n}")
        await asyncio.sleep(0.05)  # the closing of the previous loop's client runs
        return result

    for n in range(3):
        answer, streamed = asyncio.run(run(n))
        assert f"run {n}" in answer
        assert f"run {n}" in streamed
    usage = provider.get_usage()
    assert usage.call_count == 6
    assert usage.attempts == 6
    assert errors == []


def test_release_closes_the_loops_client_and_goes_on(provider: LLMProvider) -> None:
    async def run() -> None:
        await _complete_and_stream(provider, "before")
        first = provider.client
        await provider.release()
        answer, _ = await _complete_and_stream(provider, "after")
        assert "after" in answer
        assert provider.client is not first
        await provider.release()

    asyncio.run(run())


def test_threads_each_with_their_own_loop(provider: LLMProvider) -> None:
    """Four threads, each with its own loop, ten calls each: every call succeeds once."""
    provider.reset_usage()
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        async def calls() -> None:
            for n in range(5):
                answer, streamed = await _complete_and_stream(provider, f"t{index}-{n}")
                assert f"t{index}-{n}" in answer
                assert f"t{index}-{n}" in streamed

        async def calls_then_release() -> None:
            try:
                await calls()
            finally:
                await provider.release()  # what a worker does before its loop ends

        try:
            asyncio.run(calls_then_release())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    usage = provider.get_usage()
    assert usage.call_count == 40
    assert usage.attempts == 40
