"""The response cache seen from a user's code, against a loopback server that records every
request it receives: what is served from the cache never reaches the server.

Each test that names ``cache_yaml`` runs on the three backends (memory, a SQLite file, a
real Redis).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

import pytest

from orchestify_core import RequestValidationError, StreamInterruptedError
from orchestify_core.errors import InternalServerError
from orchestify_core.events import StreamDone, TextDelta, ToolCallComplete
from orchestify_core.registry import ProviderRegistry
from orchestify_core.testing.servers import AnthropicServer, OpenAIServer, Reply
from orchestify_core.testing.servers._script import ThinkingSpec, ToolCallSpec

from .conftest import provider_yaml

Build = Callable[[str], ProviderRegistry]
HELLO = [{"role": "user", "content": "hello there"}]
TOOLS = [{"name": "lookup", "description": "Look up", "input_schema": {"type": "object"}}]


async def test_a_second_identical_call_makes_no_request(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml() + "providers:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    first = await provider.complete(HELLO, temperature=0)
    second = await provider.complete(HELLO, temperature=0)
    assert openai_server.requests_received == 1
    assert second.content == first.content == "echo: hello there"
    assert (first.cached, second.cached) == (False, True)
    assert first.cost_usd is not None
    assert first.cost_usd > 0
    assert second.cost_usd == 0
    assert (second.tokens_input, second.tokens_output) == (first.tokens_input, first.tokens_output)
    assert second.model == first.model
    assert second.provider_id == "p"
    usage = provider.get_usage()
    assert usage.outcomes == {"completed": 1, "cache_hit": 1}
    assert usage.cache_hits == 1
    assert usage.saved_cost == first.cost_usd
    assert usage.cost == first.cost_usd  # the hit cost nothing and counted no tokens
    assert usage.total_input == first.tokens_input


async def test_a_different_request_is_a_different_entry(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml() + "providers:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    await provider.complete(HELLO, temperature=0)
    await provider.complete(HELLO, temperature=0, max_tokens=17)
    await provider.complete(HELLO, temperature=0, stop=["x"])
    await provider.complete(HELLO, temperature=0, tools=TOOLS)
    await provider.complete([{"role": "user", "content": "hello there!"}], temperature=0)
    await provider.complete(HELLO, temperature=0, extra={"seed": 7})
    assert openai_server.requests_received == 6
    await provider.complete(HELLO, temperature=0, timeout=30)  # the timeout is not sent
    assert openai_server.requests_received == 6


async def test_100_concurrent_identical_calls_make_one_request(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml() + "providers:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    openai_server.enqueue(Reply(text="the one answer", first_byte_delay=0.2))
    answers = await asyncio.gather(*(provider.complete(HELLO, temperature=0) for _ in range(100)))
    assert openai_server.requests_received == 1
    assert {answer.content for answer in answers} == {"the one answer"}
    assert sorted(answer.cached for answer in answers) == [False] + [True] * 99
    assert provider.get_usage().outcomes == {"completed": 1, "cache_hit": 99}


async def test_100_concurrent_identical_streams_make_one_request(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory}\nproviders:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    openai_server.enqueue(Reply(text="streamed once to everyone", chunk_size=5, event_delay=0.01))

    async def read() -> tuple[list[str], bool]:
        stream = provider.stream(HELLO, temperature=0)
        chunks = [chunk async for chunk in stream]
        assert stream.response is not None
        return chunks, stream.response.cached

    results = await asyncio.gather(*(read() for _ in range(100)))
    assert openai_server.requests_received == 1
    assert {tuple(chunks) for chunks, _ in results} == {
        ("strea", "med o", "nce t", "o eve", "ryone")
    }
    assert sum(cached for _, cached in results) == 99


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
async def test_a_stream_replayed_gives_the_same_events_and_text(
    cache_yaml: Callable[..., str], registries: Build, protocol: str
) -> None:
    server_class = OpenAIServer if protocol == "openai" else AnthropicServer
    if protocol == "anthropic":
        pytest.importorskip("orchestify_claude")
    async with server_class() as server:
        kind, model = (
            ("openai", "gpt-4o-mini")
            if protocol == "openai"
            else ("anthropic", "claude-sonnet-4-5")
        )
        registry = registries(
            cache_yaml()
            + "providers:\n"
            + provider_yaml("p", server.base_url, kind=kind, model=model)
        )
        provider = registry.get("p")
        server.enqueue(
            Reply(
                text="Here is a longer answer, streamed in pieces.",
                chunk_size=7,
                tool_calls=[ToolCallSpec("lookup", {"q": "cache"})],
                thinking=ThinkingSpec("Let me think.") if protocol == "anthropic" else None,
            )
        )
        thinking = protocol == "anthropic"
        kwargs = {"temperature": 1 if thinking else 0, "tools": TOOLS, "thinking": thinking}
        if thinking:
            kwargs["max_tokens"] = 4096
            extra = "cache: {allow_temperature: true}"  # thinking needs temperature 1
            registry = registries(
                cache_yaml()
                + "providers:\n"
                + provider_yaml("p", server.base_url, kind=kind, model=model, extra=extra)
            )
            provider = registry.get("p")
        original = [event async for event in provider.stream_events(HELLO, **kwargs)]
        replayed = [event async for event in provider.stream_events(HELLO, **kwargs)]
        text = [chunk async for chunk in provider.stream(HELLO, **kwargs)]
    assert server.requests_received == 1
    assert replayed[:-1] == original[:-1]
    assert len([e for e in original if isinstance(e, TextDelta)]) > 3
    assert any(isinstance(e, ToolCallComplete) for e in original)
    first, again = original[-1], replayed[-1]
    assert isinstance(first, StreamDone)
    assert isinstance(again, StreamDone)
    assert again.response.cached
    assert not first.response.cached
    assert again.response.content == first.response.content == "".join(text)
    assert again.response.parts == first.response.parts
    assert again.response.tool_calls[0].arguments == {"q": "cache"}
    if thinking:
        assert again.response.thinking == "Let me think."


async def test_complete_and_stream_share_an_entry(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory}\nproviders:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    answer = await provider.complete(HELLO, temperature=0, tools=TOOLS)
    events = [event async for event in provider.stream_events(HELLO, temperature=0, tools=TOOLS)]
    assert openai_server.requests_received == 1
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == answer.content
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.response.cached
    assert done.response.content == answer.content


async def test_temperature_above_zero_is_not_cached_unless_allowed(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml()
        + "providers:\n"
        + provider_yaml("p", openai_server.base_url)
        + provider_yaml("warm", openai_server.base_url, extra="cache: {allow_temperature: true}")
    )
    plain, warm = registry.get("p"), registry.get("warm")
    await plain.complete(HELLO)  # the default temperature, 0.7
    second = await plain.complete(HELLO, temperature=0.3)
    await plain.complete(HELLO, temperature=0.3)
    assert openai_server.requests_received == 3
    assert not second.cached
    await warm.complete(HELLO, temperature=0.9)
    again = await warm.complete(HELLO, temperature=0.9)
    assert openai_server.requests_received == 4
    assert again.cached


async def test_errors_are_not_cached(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml() + "providers:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    openai_server.enqueue(Reply(status=500))
    with pytest.raises(InternalServerError):
        await provider.complete(HELLO, temperature=0)
    answer = await provider.complete(HELLO, temperature=0)
    assert openai_server.requests_received == 2
    assert not answer.cached
    assert answer.content == "echo: hello there"


async def test_interrupted_and_abandoned_streams_are_not_cached(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        cache_yaml() + "providers:\n" + provider_yaml("p", openai_server.base_url)
    )
    provider = registry.get("p")
    openai_server.enqueue(Reply(text="cut in the middle of it", chunk_size=4, drop_after=3))
    with pytest.raises(StreamInterruptedError):
        async for _ in provider.stream(HELLO, temperature=0):
            pass
    async with provider.stream(HELLO, temperature=0) as stream:  # stopped after one chunk
        async for _ in stream:
            break
    full = provider.stream(HELLO, temperature=0)
    text = "".join([chunk async for chunk in full])
    assert openai_server.requests_received == 3
    assert text == "echo: hello there"
    assert full.response is not None
    assert not full.response.cached
    replay = provider.stream(HELLO, temperature=0)
    assert "".join([chunk async for chunk in replay]) == text
    assert openai_server.requests_received == 3


async def test_a_fallbacks_answer_is_not_stored(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url, extra="cache: true\n    fallbacks: [q]")
        + provider_yaml("q", openai_server.base_url, model="gpt-4o")
    )
    provider = registry.get("p")
    openai_server.enqueue(Reply(status=503))
    served = await provider.complete(HELLO, temperature=0)
    assert served.provider_id == "q"
    again = await provider.complete(HELLO, temperature=0)
    assert (again.provider_id, again.cached) == ("p", False)
    assert openai_server.requests_received == 3


async def test_cache_false_bypasses_and_cache_true_opts_in(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory}\nproviders:\n"
        + provider_yaml("p", openai_server.base_url)
        + provider_yaml("off", openai_server.base_url, extra="max_tokens: 1000")
        + "agents:\n  quiet: {provider: p, cache: false}\n  eager: {provider: off, cache: true}\n"
    )
    provider, off = registry.get("p"), registry.get("off")
    await provider.complete(HELLO, temperature=0)
    bypass = await provider.complete(HELLO, temperature=0, cache=False)
    assert openai_server.requests_received == 2
    assert not bypass.cached
    assert (await registry.get_for_agent("quiet").complete(HELLO, temperature=0)).cached is False
    assert (await provider.bind(cache=False).complete(HELLO, temperature=0)).cached is False
    assert openai_server.requests_received == 4
    assert (await provider.complete(HELLO, temperature=0)).cached
    async for _ in provider.stream(HELLO, temperature=0, cache=False):
        pass
    assert openai_server.requests_received == 5
    await off.complete(HELLO, temperature=0)
    assert not (await off.complete(HELLO, temperature=0)).cached  # not opted in
    assert (await off.complete(HELLO, temperature=0, cache=True)).cached is False
    assert (await off.complete(HELLO, temperature=0, cache=True)).cached is True
    assert (await registry.get_for_agent("eager").complete(HELLO, temperature=0)).cached
    assert openai_server.requests_received == 8


async def test_cache_true_without_a_cache_section_is_refused(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries("providers:\n" + provider_yaml("p", openai_server.base_url, extra=""))
    provider = registry.get("p")
    with pytest.raises(RequestValidationError, match="add a top-level cache: section"):
        await provider.complete(HELLO, temperature=0, cache=True)
    with pytest.raises(RequestValidationError, match="no response cache"):
        provider.bind(cache=True)
    assert (await provider.complete(HELLO, temperature=0, cache=False)).cached is False
    assert openai_server.requests_received == 1


async def test_two_api_keys_never_share_entries_unless_configured(
    cache_yaml: Callable[..., str], registries: Build, openai_server: OpenAIServer
) -> None:
    url = openai_server.base_url
    registry = registries(
        cache_yaml()
        + "providers:\n"
        + provider_yaml("alpha", url, key="sk-tenant-alpha-0001")
        + provider_yaml("beta", url, key="sk-tenant-beta-0002")
        + provider_yaml("alpha_again", url, key="sk-tenant-alpha-0001")
    )
    await registry.get("alpha").complete(HELLO, temperature=0)
    beta = await registry.get("beta").complete(HELLO, temperature=0)
    assert openai_server.requests_received == 2
    assert not beta.cached
    assert (await registry.get("alpha_again").complete(HELLO, temperature=0)).cached
    shared = registries(
        cache_yaml(shared_namespace="team")
        + "providers:\n"
        + provider_yaml("alpha", url, key="sk-tenant-alpha-0001")
        + provider_yaml("beta", url, key="sk-tenant-beta-0002")
    )
    await shared.get("alpha").complete(HELLO, temperature=0.0, max_tokens=99)
    assert (await shared.get("beta").complete(HELLO, temperature=0, max_tokens=99)).cached
    assert openai_server.requests_received == 3


async def test_a_hit_in_the_ledger_and_budgets(
    registries: Build, openai_server: OpenAIServer
) -> None:
    registry = registries(
        "cache: {backend: memory}\nledger: {backend: memory}\n"
        "budgets:\n  tiny: {limit_usd: 0.00003, period: total}\n"
        "providers:\n"
        + provider_yaml("p", openai_server.base_url)
        + "agents:\n  writer: {provider: p, tags: {feature: drafts}}\n"
    )
    writer = registry.get_for_agent("writer")
    first = await writer.complete(HELLO, temperature=0, max_tokens=16)
    assert first.cost_usd is not None
    assert 20 * first.cost_usd > Decimal("0.00003")
    for _ in range(20):  # twenty calls would pass the budget; hits cost nothing
        again = await writer.complete(HELLO, temperature=0, max_tokens=16, tags={"user": "bo"})
        assert again.cached
    assert openai_server.requests_received == 1
    ledger = registry.ledger
    assert ledger is not None
    rows = await ledger.rows()
    hits = [row for row in rows if row.outcome == "cache_hit"]
    assert len(rows) == 21
    assert len(hits) == 20
    assert {(row.cost, row.saved, row.input_tokens) for row in hits} == {
        (Decimal(0), first.cost_usd, 0)
    }
    assert hits[0].agent == "writer"
    assert hits[0].tags == {"feature": "drafts", "user": "bo"}
    totals = (await ledger.usage())["total"]
    assert totals.cache_hits == 20
    assert totals.saved == 20 * first.cost_usd
    assert totals.cost == first.cost_usd
    [status] = await ledger.budget_status()
    assert status.spent_usd == first.cost_usd


async def test_a_provider_built_in_code_takes_a_cache(openai_server: OpenAIServer) -> None:
    pytest.importorskip("orchestify_openai")
    from orchestify_core import LLMProvider
    from orchestify_core.cache import MemoryCacheStore, ProviderCacheConfig, ResponseCache

    provider = LLMProvider(
        type="openai",
        api_key="sk-code",
        default_model="gpt-4o-mini",
        base_url=openai_server.base_url,
    )
    cache = ResponseCache(MemoryCacheStore(max_bytes=1024 * 1024))
    provider.set_cache(cache.for_provider(ProviderCacheConfig(enabled=True)))
    try:
        await provider.complete(HELLO, temperature=0)
        assert (await provider.complete(HELLO, temperature=0)).cached
    finally:
        await provider.aclose()
        await cache.aclose()
    assert openai_server.requests_received == 1
