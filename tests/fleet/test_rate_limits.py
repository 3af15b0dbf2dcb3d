"""Client-side rate limits: config, local buckets, shared buckets in a real Redis, and the
limits learned from the providers' headers (the core API, and headers a loopback server
really sent)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from orchestify_core import ConfigError, RateLimitError, loads_config
from orchestify_core.errors import RateLimitWaitError
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.redis_server import RedisServer

HELLO = [{"role": "user", "content": "hello"}]


def scripted(limits: str, *, timeout: float = 0.5, extra: str = "") -> str:
    return (
        "providers:\n  p:\n    type: scripted\n    default_model: m\n"
        f"    timeout: {timeout}\n    retry: {{max_retries: 0}}\n"
        f"    rate_limits: {limits}\n{extra}"
    )


def fleet(redis: RedisServer, prefix: str) -> str:
    return f"fleet: {{url: '{redis.url}', prefix: {prefix}}}\n"


# --------------------------------------------------------------------------- config


def test_rate_limits_are_read_from_config() -> None:
    config = loads_config(
        scripted(
            "{requests_per_minute: 300, input_tokens_per_minute: 40000, tokens_per_minute: 9e4}"
        )
    )
    limits = config.providers.providers["p"].rate_limits
    assert limits is not None
    assert limits.per_minute() == {"requests": 300, "input_tokens": 40000, "tokens": 90000}
    assert limits.shared is False
    assert limits.burst_seconds == 1.0


def test_bad_rate_limits_are_named_at_their_key() -> None:
    with pytest.raises(ConfigError) as caught:
        loads_config(scripted("{requests_per_minute: 0, output_tokens_per_minit: 5}"))
    text = str(caught.value)
    assert "providers.p.rate_limits.output_tokens_per_minit: unknown key" in text
    assert "output_tokens_per_minute" in text  # the close match is suggested


def test_a_zero_limit_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"providers\.p\.rate_limits\.requests_per_minute: must be more than 0"
    ):
        loads_config(scripted("{requests_per_minute: 0}"))


def test_shared_needs_a_store() -> None:
    with pytest.raises(
        ConfigError, match=r"rate_limits\.shared: shared: true needs a fleet: section"
    ):
        loads_config(scripted("{requests_per_minute: 10, shared: true}"))
    text = (
        "providers:\n  p:\n    type: scripted\n    default_model: m\n"
        "    circuit_breaker: {shared: true}\n"
    )
    with pytest.raises(ConfigError, match=r"circuit_breaker\.shared: shared: true needs"):
        loads_config(text)


def test_fleet_url_is_checked_and_masked() -> None:
    with pytest.raises(ConfigError, match=r"fleet\.url: must be a redis://"):
        loads_config(scripted("{requests_per_minute: 1}", extra="fleet: {url: 'http://x'}\n"))
    config = loads_config(
        scripted(
            "{requests_per_minute: 1, shared: true}",
            extra="fleet: {url: 'redis://:hunter22@127.0.0.1:1/0'}\n",
        )
    )
    assert "hunter22" not in repr(config)


# --------------------------------------------------------------------------- local buckets


async def test_a_call_that_would_wait_past_its_timeout_is_not_sent() -> None:
    # 60 a minute, a second's worth at once: one call now, the next in a second.
    registry = ProviderRegistry.from_config(loads_config(scripted("{requests_per_minute: 60}")))
    provider = registry.get("p")
    await provider.complete(HELLO)
    with pytest.raises(RateLimitWaitError) as caught:
        await provider.complete(HELLO)
    assert isinstance(caught.value, RateLimitError)
    assert "would make it wait" in str(caught.value)
    assert "'p'" in str(caught.value)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 0.5
    assert len(provider.client.requests) == 1  # the refused call reached nobody
    await registry.aclose()


async def test_calls_wait_their_turn_instead_of_failing() -> None:
    # 600 a minute = 10 a second: five calls at once, the first now, the others wait.
    registry = ProviderRegistry.from_config(
        loads_config(scripted("{requests_per_minute: 600}", timeout=5))
    )
    provider = registry.get("p")
    answers = await asyncio.gather(*(provider.complete(HELLO) for _ in range(5)))
    assert [a.content for a in answers] == ["echo: hello"] * 5
    assert len(provider.client.requests) == 5
    await registry.aclose()


async def test_output_tokens_are_held_as_max_tokens_then_settled() -> None:
    registry = ProviderRegistry.from_config(
        loads_config(scripted("{output_tokens_per_minute: 6000}", timeout=0.5))
    )
    provider = registry.get("p")
    limiter = provider._context.rate_limiter
    # 100 output tokens a second; a call asking for 1,000 would wait 10 s: refused.
    with pytest.raises(RateLimitWaitError):
        await provider.complete(HELLO, max_tokens=1000)
    # 50 fit at once; the answer used far fewer, the rest comes back.
    await provider.complete(HELLO, max_tokens=50)
    await provider.complete(HELLO, max_tokens=50)
    assert limiter is not None
    assert limiter.limits() == {"output_tokens": 6000}
    await registry.aclose()


# --------------------------------------------------------------------------- headers


def test_limits_are_learned_from_anthropic_headers() -> None:
    registry = ProviderRegistry.from_config(loads_config(scripted("{}")))
    context = registry.get("p")._context
    context.observe_rate_limit_headers(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-requests-reset": "2025-06-01T00:00:01Z",
            "Anthropic-Ratelimit-Input-Tokens-Limit": "40000",
            "anthropic-ratelimit-output-tokens-limit": "8000",
            "anthropic-ratelimit-tokens-limit": "48000",
            "content-type": "application/json",
        }
    )
    assert context.rate_limiter is not None
    assert context.rate_limiter.limits() == {
        "requests": 50,
        "input_tokens": 40000,
        "output_tokens": 8000,
    }


def test_configured_limits_win_over_headers_and_junk_is_ignored() -> None:
    registry = ProviderRegistry.from_config(loads_config(scripted("{requests_per_minute: 10}")))
    context = registry.get("p")._context
    context.observe_rate_limit_headers(
        [
            ("x-ratelimit-limit-requests", "5000"),
            ("x-ratelimit-limit-tokens", "nan"),
            ("x-ratelimit-remaining-tokens", "-4"),
            ("x-ratelimit-limit-tokens", "2000000"),
        ]
    )
    assert context.rate_limiter is not None
    assert context.rate_limiter.limits() == {"requests": 10, "tokens": 2000000}


def test_a_provider_without_rate_limits_ignores_headers() -> None:
    registry = ProviderRegistry.from_config(
        loads_config("providers:\n  p: {type: scripted, default_model: m}\n")
    )
    context = registry.get("p")._context
    context.observe_rate_limit_headers({"x-ratelimit-limit-requests": "1"})
    assert context.rate_limiter is None
    assert registry.get("p")._gate is None  # the hot path is untouched


async def test_remaining_zero_in_real_headers_holds_the_next_call() -> None:
    pytest.importorskip("orchestify_openai")
    from orchestify_core.testing.servers import OpenAIServer, Reply

    async with OpenAIServer() as server:
        server.enqueue(
            Reply(
                text="hi",
                headers={
                    "x-ratelimit-limit-requests": "600",
                    "x-ratelimit-remaining-requests": "0",
                    "x-ratelimit-reset-requests": "100ms",
                },
            )
        )
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{server.base_url}/chat/completions",
                json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]},
                headers={"authorization": "Bearer k"},
            )
    registry = ProviderRegistry.from_config(loads_config(scripted("{}", timeout=0.05)))
    provider = registry.get("p")
    await provider.complete(HELLO)  # nothing learned yet: no limit, no wait
    provider._context.observe_rate_limit_headers(answer.headers)
    limiter = provider._context.rate_limiter
    assert limiter is not None
    assert limiter.limits() == {"requests": 600}
    # The provider says none remain: the next call would wait a tenth of a second.
    with pytest.raises(RateLimitWaitError):
        await provider.complete(HELLO)
    await registry.aclose()


async def test_a_429_teaches_the_limit_and_pauses_the_provider() -> None:
    """Through the real OpenAI SDK: the core reads the 429's headers itself."""
    pytest.importorskip("orchestify_openai")
    from orchestify_core.testing.servers import OpenAIServer, Reply

    async with OpenAIServer() as server:
        server.enqueue(
            Reply(
                status=429,
                retry_after=30,
                headers={
                    "x-ratelimit-limit-requests": "6000",
                    "x-ratelimit-remaining-requests": "0",
                },
            )
        )
        text = (
            "providers:\n  o:\n    type: openai\n    api_key: k-test\n"
            f"    default_model: gpt-4o-mini\n    base_url: {server.base_url}\n"
            "    timeout: 5\n    retry: {max_retries: 0}\n    rate_limits: {}\n"
        )
        registry = ProviderRegistry.from_config(loads_config(text))
        provider = registry.get("o")
        with pytest.raises(RateLimitError) as caught:
            await provider.complete(HELLO)
        assert not isinstance(caught.value, RateLimitWaitError)  # the server's own 429
        limiter = provider._context.rate_limiter
        assert limiter is not None
        assert limiter.limits() == {"requests": 6000}
        # retry-after 30 s: no call goes out before then, none waits that long.
        with pytest.raises(RateLimitWaitError, match="would make it wait 3"):
            await provider.complete(HELLO)
        assert server.requests_received == 1
        await registry.aclose()


# --------------------------------------------------------------------------- shared


async def test_a_shared_bucket_is_one_quota_for_two_workers(
    redis_server: RedisServer, prefix: str
) -> None:
    text = scripted("{requests_per_minute: 60, shared: true}", extra=fleet(redis_server, prefix))
    one = ProviderRegistry.from_config(loads_config(text))
    two = ProviderRegistry.from_config(loads_config(text))
    await one.get("p").complete(HELLO)
    with pytest.raises(RateLimitWaitError):  # the other worker took this second's call
        await two.get("p").complete(HELLO)
    assert len(two.get("p").client.requests) == 0
    await one.aclose()
    await two.aclose()


async def test_local_buckets_are_not_shared(redis_server: RedisServer, prefix: str) -> None:
    text = scripted("{requests_per_minute: 60}", extra=fleet(redis_server, prefix))
    one = ProviderRegistry.from_config(loads_config(text))
    two = ProviderRegistry.from_config(loads_config(text))
    await one.get("p").complete(HELLO)
    await two.get("p").complete(HELLO)
    await one.aclose()
    await two.aclose()


async def test_a_shared_limiter_uses_the_ledgers_redis(
    redis_server: RedisServer, prefix: str
) -> None:
    ledger = f"ledger: {{backend: redis, url: '{redis_server.url}', prefix: {prefix}}}\n"
    text = scripted("{requests_per_minute: 60, shared: true}", extra=ledger)
    one = ProviderRegistry.from_config(loads_config(text))
    two = ProviderRegistry.from_config(loads_config(text))
    await one.get("p").complete(HELLO)
    with pytest.raises(RateLimitWaitError):
        await two.get("p").complete(HELLO)
    await one.aclose()
    await two.aclose()


async def test_an_unreachable_store_falls_back_to_local_buckets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = scripted(
        "{requests_per_minute: 60, shared: true}",
        extra="fleet: {url: 'redis://127.0.0.1:9/0', timeout: 0.2}\n",
    )
    registry = ProviderRegistry.from_config(loads_config(text))
    provider = registry.get("p")
    await provider.complete(HELLO)  # the store is down: this worker's own bucket serves
    with pytest.raises(RateLimitWaitError):
        await provider.complete(HELLO)
    assert "shared rate limits unavailable, using local ones" in caplog.text
    await registry.aclose()
