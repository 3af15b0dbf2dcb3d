"""Failover: configured and per-call fallbacks, before the first token only, fully accounted."""

from __future__ import annotations

import pytest

from orchestify_core import (
    AllProvidersFailedError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    LLMMessage,
    StreamInterruptedError,
    UnsupportedCapabilityError,
)
from orchestify_core.testing.scripted import ScriptedReply

HI = [LLMMessage(role="user", content="hi")]
CONFIG = """\
providers:
  main:
    type: scripted
    default_model: m-main
    retry: {max_retries: 0}
    fallbacks: [second, third]
  second:
    type: scripted
    default_model: m-second
    retry: {max_retries: 0}
  third:
    type: scripted
    default_model: m-third
    retry: {max_retries: 0}
"""


def down(n: int = 1) -> list[ScriptedReply]:
    return [ScriptedReply(error=InternalServerError("down")) for _ in range(n)]


async def test_fails_over_in_order_and_says_who_served(build_registry) -> None:  # type: ignore[no-untyped-def]
    """main and second fail; third answers; the response and usage say so."""
    registry = build_registry(CONFIG)
    registry.get("main").client.enqueue(*down())
    registry.get("second").client.enqueue(ScriptedReply(error=AuthenticationError("bad key")))
    response = await registry.get("main").complete(HI)
    assert (response.provider_id, response.model, response.attempts) == ("third", "m-third", 3)
    totals = registry.get_total_usage()
    assert totals["main"].outcomes == {"error": 1}
    assert totals["second"].outcomes == {"error": 1}
    assert totals["third"].outcomes == {"completed": 1}


async def test_all_failing_names_every_error(build_registry) -> None:  # type: ignore[no-untyped-def]
    """When the whole chain fails, one error lists each provider's failure."""
    registry = build_registry(CONFIG)
    for pid in ("main", "second", "third"):
        registry.get(pid).client.enqueue(*down())
    with pytest.raises(AllProvidersFailedError) as info:
        await registry.get("main").complete(HI)
    assert [pid for pid, _ in info.value.errors] == ["main", "second", "third"]
    assert str(info.value).startswith("all providers failed (main: InternalServerError: down; ")


async def test_bad_request_does_not_fail_over(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A 400 would fail anywhere: it is raised at once."""
    registry = build_registry(CONFIG)
    registry.get("main").client.enqueue(ScriptedReply(error=BadRequestError("malformed")))
    with pytest.raises(BadRequestError):
        await registry.get("main").complete(HI)
    assert registry.get("second").client.requests == []


async def test_per_call_fallbacks_override_config(build_registry) -> None:  # type: ignore[no-untyped-def]
    """fallbacks= on a call replaces the configured chain (an empty list disables failover)."""
    registry = build_registry(CONFIG)
    main = registry.get("main")
    main.client.enqueue(*down(2))
    response = await main.complete(HI, fallbacks=[registry.get("third")])
    assert response.provider_id == "third"
    with pytest.raises(InternalServerError):
        await main.complete(HI, fallbacks=[])


async def test_fallback_without_capability_is_skipped(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A fallback whose model cannot take the request is skipped, and said so."""
    registry = build_registry(
        CONFIG.replace("  second:\n    type: scripted\n",
                       "  second:\n    type: scripted\n    options: {capabilities: {tools: false}}\n")
    )  # fmt: skip
    registry.get("main").client.enqueue(*down())
    tool = {"name": "t", "description": "d", "input_schema": {"type": "object"}}
    response = await registry.get("main").complete(HI, tools=[tool])
    assert response.provider_id == "third"


async def test_stream_fails_over_before_first_token(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A stream that fails before any chunk continues on the fallback, whole."""
    registry = build_registry(CONFIG)
    registry.get("main").client.enqueue(*down())
    stream = registry.get("main").stream(HI)
    assert "".join([c async for c in stream]) == "echo: hi"
    assert stream.response is not None
    assert stream.response.provider_id == "second"


async def test_stream_failing_after_first_token_is_an_error(build_registry) -> None:  # type: ignore[no-untyped-def]
    """After a chunk was delivered there is no failover and no truncated success."""
    registry = build_registry(CONFIG)
    registry.get("main").client.enqueue(
        ScriptedReply(
            text="first part, then", error=InternalServerError("cut"), error_after_chunks=1
        )
    )
    stream = registry.get("main").stream(HI)
    received = []
    with pytest.raises(StreamInterruptedError) as info:
        async for chunk in stream:
            received.append(chunk)
    assert info.value.partial_text == "".join(received) == "first pa"
    assert isinstance(info.value.__cause__, InternalServerError)
    assert stream.response is None
    assert registry.get("second").client.requests == []
    assert registry.get("main").get_usage().outcomes == {"truncated": 1}


async def test_primary_capability_error_is_not_hidden(build_registry) -> None:  # type: ignore[no-untyped-def]
    """A request the primary cannot take is refused, not silently sent to a fallback."""
    registry = build_registry(CONFIG.replace(
        "    default_model: m-main\n", "    default_model: m-main\n    options: {capabilities: {thinking: false}}\n"))  # fmt: skip
    with pytest.raises(UnsupportedCapabilityError):
        await registry.get("main").complete(HI, thinking=True)
