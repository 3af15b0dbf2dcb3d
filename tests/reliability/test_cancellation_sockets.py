"""Cancellation over real sockets: no connection left open, no task left, usage accounted."""

from __future__ import annotations

import asyncio
import importlib.util
import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from orchestify_core import LLMMessage, LLMProvider, ProviderRegistry, loads_config
from orchestify_core.testing.servers import AnthropicServer, LoopbackServer, OpenAIServer, Reply

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

HI = [LLMMessage(role="user", content="hi")]
TARGETS = [
    pytest.param(
        ("orchestify_claude", "anthropic", "claude-haiku-4-5", AnthropicServer), id="claude"
    ),
    pytest.param(("orchestify_openai", "openai", "gpt-4o-mini", OpenAIServer), id="openai"),
    pytest.param(
        ("orchestify_litellm", "litellm", "openai/gpt-4o-mini", OpenAIServer), id="litellm"
    ),
]


@pytest_asyncio.fixture(params=TARGETS)
async def target(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[LLMProvider, LoopbackServer]]:
    plugin, ptype, model, server_class = request.param
    if importlib.util.find_spec(plugin) is None:
        pytest.skip(f"{plugin} is not installed")
    async with server_class(api_key="k") as server:
        config = loads_config(
            f"providers:\n  p:\n    type: {ptype}\n    api_key: k\n    default_model: {model}\n"
            f"    base_url: {server.base_url}\n"
            "    retry: {max_retries: 2, initial_delay: 30, jitter: 0}\n"
        )
        provider = ProviderRegistry.from_config(config).get("p")
        yield provider, server
        await provider.aclose()


#: Tasks that are not the call's: the loopback server's handlers, and LiteLLM's own
#: fire-and-forget logging of earlier calls (its service logger and logging worker), which
#: may still be running when another test's call is cancelled.
_NOT_THE_CALLS = ("aiohttp", "litellm/_service_logger.py", "litellm_core_utils/logging_worker")


def leftover_tasks() -> set[asyncio.Task[object]]:
    """Client-side tasks still alive (the server's handlers and LiteLLM's logging aside)."""
    return {
        t
        for t in asyncio.all_tasks()
        if t is not asyncio.current_task()
        and not any(
            part in getattr(getattr(t.get_coro(), "cr_code", None), "co_filename", "")
            for part in _NOT_THE_CALLS
        )
    }


async def cancel_after(coro: object, seconds: float, times: int = 1) -> None:
    task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
    await asyncio.sleep(seconds)
    for _ in range(times):
        task.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await task


# LiteLLM builds its openai-route coroutine before handing it to a worker; a call cancelled
# before that coroutine starts leaves it unawaited inside LiteLLM (nothing of ours is lost:
# the attempt is accounted as cancelled, as the test checks).
@pytest.mark.filterwarnings("ignore:coroutine 'OpenAIChatCompletion.acompletion' was never awaited")
async def test_cancel_before_headers(target) -> None:  # type: ignore[no-untyped-def]
    """Cancelled while waiting for the response headers: connection closed, one attempt."""
    provider, server = target
    server.enqueue(Reply(hang=True))
    await cancel_after(provider.complete(HI), 0.3)
    await server.wait_for_connections(0, within=5)
    assert provider.get_usage().outcomes == {"cancelled": 1}
    assert leftover_tasks() == set()


async def test_cancel_mid_stream_twice(target) -> None:  # type: ignore[no-untyped-def]
    """Cancelled twice in the middle of a stream: connection closed, accounted once."""
    provider, server = target
    server.enqueue(Reply("slow words " * 30, chunk_count=30, event_delay=0.05, input_tokens=17))
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(HI):
            first_chunk.set()

    task = asyncio.ensure_future(consume())
    await asyncio.wait_for(first_chunk.wait(), timeout=30)
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await server.wait_for_connections(0, within=5)
    usage = provider.get_usage()
    assert usage.outcomes == {"cancelled": 1}
    assert usage.total_input > 0
    assert leftover_tasks() == set()


async def test_cancel_during_backoff(target) -> None:  # type: ignore[no-untyped-def]
    """Cancelled while waiting to retry a 503: the failed attempt is accounted, nothing waits on."""
    provider, server = target
    server.enqueue(Reply(status=503))
    task = asyncio.ensure_future(provider.complete(HI))
    async with asyncio.timeout(30):
        while provider.get_usage().attempts < 1:  # noqa: ASYNC110 - the 503 is in: it now waits to retry
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert provider.get_usage().outcomes == {"error": 1}
    assert server.requests_received == 1
    assert leftover_tasks() == set()
