"""The layer's retry loop, with an injected sleep: what is retried, waits, and accounting."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest

from orchestify_core import (
    BadRequestError,
    InternalServerError,
    LLMMessage,
    ProviderContext,
    RateLimitError,
    hookimpl,
)
from orchestify_core.retry import RetryPolicy
from orchestify_core.testing.scripted import ScriptedReply

HI = [LLMMessage(role="user", content="hi")]
CONFIG = """\
providers:
  main:
    type: scripted
    default_model: s1
    retry: {max_retries: 3, initial_delay: 1, max_delay: 8, jitter: 0}
"""


class FakeSleep:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleep(plugin_manager: pluggy.PluginManager) -> FakeSleep:
    """Every provider's retry policy sleeps on a fake clock (through the retry-policy hook)."""
    fake = FakeSleep()

    class InstantRetries:
        @hookimpl
        def orchestify_retry_policy(self, provider: ProviderContext) -> Any:
            return RetryPolicy(provider.config.retry, random=lambda: 0.0, sleep=fake)

    plugin_manager.register(InstantRetries())
    return fake


async def test_retries_until_success_with_backoff(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """Two 500s then success: one call, three attempts, waits 1 s then 2 s."""
    provider = build_registry(CONFIG).get("main")
    boom = ScriptedReply(error=InternalServerError("boom"))
    provider.client.enqueue(boom, boom, "finally")
    response = await provider.complete(HI)
    assert response.content == "finally"
    assert response.attempts == 3
    assert sleep.waits == [1.0, 2.0]
    usage = provider.get_usage()
    assert usage.attempts == 3
    assert usage.outcomes == {"error": 2, "completed": 1}
    assert usage.call_count == 1


async def test_retry_after_wins_over_backoff(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """A 429's retry-after is the wait."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(error=RateLimitError("slow", retry_after=4.5)), "ok")
    assert (await provider.complete(HI)).content == "ok"
    assert sleep.waits == [4.5]


async def test_gives_up_after_max_retries(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """After max_retries the last error is raised, every attempt accounted."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(*[ScriptedReply(error=InternalServerError(f"e{i}")) for i in range(4)])
    with pytest.raises(InternalServerError, match="e3"):
        await provider.complete(HI)
    assert sleep.waits == [1.0, 2.0, 4.0]
    assert provider.get_usage().outcomes == {"error": 4}


async def test_per_call_max_retries(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """max_retries= on a call overrides the provider's setting."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(*[ScriptedReply(error=InternalServerError("e")) for _ in range(2)])
    with pytest.raises(InternalServerError):
        await provider.complete(HI, max_retries=0)
    assert sleep.waits == []
    assert provider.get_usage().attempts == 1


async def test_client_errors_are_not_retried(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """A 400 fails at once, and x-should-retry: false stops a 429 from being retried."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(
        ScriptedReply(error=BadRequestError("bad")),
        ScriptedReply(error=RateLimitError("no", should_retry=False)),
    )
    with pytest.raises(BadRequestError):
        await provider.complete(HI)
    with pytest.raises(RateLimitError):
        await provider.complete(HI)
    assert sleep.waits == []
    assert provider.get_usage().attempts == 2


async def test_stream_retries_before_first_token(build_registry, sleep: FakeSleep) -> None:  # type: ignore[no-untyped-def]
    """A stream failing before its first chunk is retried and then succeeds whole."""
    provider = build_registry(CONFIG).get("main")
    provider.client.enqueue(ScriptedReply(error=InternalServerError("early")), "streamed answer")
    stream = provider.stream(HI)
    assert "".join([c async for c in stream]) == "streamed answer"
    assert stream.response is not None
    assert stream.response.attempts == 2
    assert sleep.waits == [1.0]
