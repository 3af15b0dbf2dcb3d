"""Cancellation at any point leaves nothing running and its attempt accounted."""

from __future__ import annotations

import asyncio

import pytest

from orchestify_core import APITimeoutError, InternalServerError, LLMMessage, StreamInterruptedError
from orchestify_core.testing.scripted import ScriptedReply

HI = [LLMMessage(role="user", content="hi")]
CONFIG = """\
providers:
  main:
    type: scripted
    default_model: s1
    retry: {max_retries: 2, initial_delay: 30, jitter: 0}
"""


def other_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_cancel_during_request(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Cancelling a call waiting on the provider accounts one cancelled attempt."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(text="late", delay=30))
    task = asyncio.create_task(provider.complete(HI))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    usage = provider.get_usage()
    assert usage.outcomes == {"cancelled": 1}
    assert usage.estimated_attempts == 1
    assert other_tasks() == set()


async def test_cancel_during_backoff_sleep(build_registry) -> None:  # type: ignore[no-untyped-def]
    """Cancelled while waiting to retry: the failed attempt stays accounted, nothing else runs."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(error=InternalServerError("down")))
    task = asyncio.create_task(provider.complete(HI))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert provider.get_usage().outcomes == {"error": 1}
    assert other_tasks() == set()


async def test_cancel_mid_stream_twice(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A stream cancelled mid-way (and again while closing) is accounted exactly once."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(text="x" * 50, chunk_size=1, delay=0.01))
    received: list[str] = []

    async def consume() -> None:
        async for chunk in provider.stream(HI):
            received.append(chunk)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(received) < 50
    usage = provider.get_usage()
    assert usage.attempts == 1
    assert usage.outcomes == {"cancelled": 1}
    assert usage.total_output >= len(received) // 4
    assert other_tasks() == set()


async def test_whole_stream_timeout(build_registry) -> None:  # type: ignore[no-untyped-def]
    """The timeout covers the whole stream, not only its start."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(text="y" * 100, chunk_size=1, delay=0.02))
    received: list[str] = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in provider.stream(HI, timeout=0.3):
            received.append(chunk)
    assert isinstance(info.value.__cause__, APITimeoutError)
    assert 0 < len(received) < 100
    assert provider.get_usage().outcomes == {"truncated": 1}


async def test_timeout_while_consumer_holds_a_chunk(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A deadline that passes while the caller is busy fails the next read."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(text="abcdef", chunk_size=1))
    with pytest.raises(StreamInterruptedError):
        async for _ in provider.stream(HI, timeout=0.1):
            await asyncio.sleep(0.2)
    assert provider.get_usage().outcomes == {"truncated": 1}


async def test_complete_timeout_per_call(build_registry) -> None:  # type: ignore[no-untyped-def]
    """timeout= on a call bounds each attempt; a timeout is retried like a connection error."""
    provider = build_registry(CONFIG.replace("max_retries: 2", "max_retries: 0")).get("main")
    provider.client.enqueue(ScriptedReply(text="late", delay=5))
    with pytest.raises(APITimeoutError):
        await provider.complete(HI, timeout=0.1)
    assert provider.get_usage().outcomes == {"error": 1}
