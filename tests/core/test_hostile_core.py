"""Hostile input at the core's edges: headers, usage, tool arguments, exception chains."""

from __future__ import annotations

import traceback
from decimal import Decimal
from typing import Any

import pytest

from orchestify_core import LLMMessage, RateLimitError
from orchestify_core.config import RetryConfig
from orchestify_core.events import ToolCallDelta
from orchestify_core.models import ToolCall
from orchestify_core.retry import RetryPolicy, retry_after_from_headers, should_retry_from_headers
from orchestify_core.scrub import MASK, scrub_exception_chain
from orchestify_core.streaming import StreamAccumulator
from orchestify_core.testing.scripted import ScriptedReply
from orchestify_core.tokens import MAX_TOKENS, Usage


@pytest.mark.parametrize(
    "headers",
    [{"retry-after": "nan"}, {"retry-after-ms": "NaN"}, {"retry-after": "inf"},
     {"retry-after-ms": "-inf"}, {"retry-after": "soon"}, {"Retry-After": "Mon, 99 Foo 2026"}],
)  # fmt: skip
def test_retry_after_that_is_no_finite_number_is_ignored(headers: dict[str, str]) -> None:
    assert retry_after_from_headers(headers) is None


def test_negative_retry_after_means_now() -> None:
    assert retry_after_from_headers({"retry-after": "-5"}) == 0.0


def test_a_nan_wait_never_reaches_sleep() -> None:
    """Even an error that carries a NaN retry_after gets a finite backoff."""
    policy = RetryPolicy(RetryConfig(initial_delay=0.5, jitter=0), random=lambda: 0.0)
    error = RateLimitError("slow down", status_code=429, retry_after=float("nan"))
    assert policy.delay(error, 1) == 0.5


@pytest.mark.parametrize(("value", "verdict"), [("true", True), ("FALSE", False), ("maybe", None)])
def test_should_retry_header(value: str, verdict: bool | None) -> None:
    assert should_retry_from_headers({"X-Should-Retry": value}) is verdict


@pytest.mark.parametrize("count", [-1, 1.5, 1e18, MAX_TOKENS + 1, "12", None, True])
def test_usage_refuses_impossible_counts(count: Any) -> None:
    with pytest.raises(ValueError, match="usage input_tokens must be a whole number"):
        Usage(input_tokens=count)


def test_usage_takes_integral_floats_as_ints() -> None:
    usage = Usage(input_tokens=12.0, output_tokens=3)  # type: ignore[arg-type]
    assert usage.input_tokens == 12
    assert type(usage.input_tokens) is int


def test_deeply_nested_tool_arguments_are_kept_as_text() -> None:
    deep = "[" * 5000 + "]" * 5000
    call = ToolCall.from_json("c1", "f", deep)
    assert call.arguments == {}
    assert call.raw_arguments == deep


def test_tool_calls_sharing_an_index_with_different_ids_stay_apart() -> None:
    acc = StreamAccumulator()
    for event in (
        ToolCallDelta(0, id="a", name="one", arguments_delta='{"x":'),
        ToolCallDelta(0, arguments_delta="1}"),
        ToolCallDelta(0, id="b", name="two", arguments_delta='{"y":2}'),
    ):
        acc.add(event)
    calls = [complete.tool_call for complete in acc.tool_calls()]
    assert [(c.id, c.name, dict(c.arguments)) for c in calls] == [
        ("a", "one", {"x": 1}),
        ("b", "two", {"y": 2}),
    ]


def test_the_whole_exception_chain_is_scrubbed() -> None:
    secret = "sk-live-abcdef123456"

    class SDKError(Exception):
        def __init__(self, message: str) -> None:
            super().__init__(message)
            self.message = message
            self.body = {"error": {"message": f"bad key {secret}"}}

    try:
        try:
            raise SDKError(f"401: invalid key {secret}")
        except SDKError as sdk:
            raise RateLimitError(f"wrapped {secret}", status_code=429) from sdk
    except RateLimitError as exc:
        error = exc
    scrub_exception_chain(error, [secret])
    text = "".join(traceback.format_exception(error))
    assert secret not in text
    assert MASK in text
    assert secret not in repr(error.__cause__)
    assert secret not in str(error.__cause__.body)  # type: ignore[union-attr]


async def test_a_stray_exception_from_a_plugin_is_typed_accounted_and_retried(
    build_registry: Any,
) -> None:
    """A plugin raising something that is no orchestify error (here, a ValueError carrying
    the key) ends the attempt as a retryable MalformedResponseError, scrubbed."""
    registry = build_registry(
        "providers:\n  fake:\n    type: scripted\n    default_model: s1\n    api_key: ${K}\n"
        "    retry: {max_retries: 1, initial_delay: 0, jitter: 0}\n",
        {"K": "sk-scripted-9876"},
    )
    provider = registry.get("fake")

    class Weird(Exception):
        pass

    original = provider.client.next_reply
    calls = {"n": 0}

    def next_reply(request: Any) -> ScriptedReply:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Weird("cannot parse body for key sk-scripted-9876")
        return original(request)

    provider.client.next_reply = next_reply
    response = await provider.complete([LLMMessage(role="user", content="hi")])
    assert response.content == "echo: hi"
    assert response.attempts == 2
    usage = provider.get_usage()
    assert usage.outcomes == {"error": 1, "completed": 1}
    assert usage.cost > Decimal(0)


async def test_a_stray_exception_leaves_no_key_in_the_chain(build_registry: Any) -> None:
    from orchestify_core import MalformedResponseError

    registry = build_registry(
        "providers:\n  fake:\n    type: scripted\n    default_model: s1\n    api_key: ${K}\n"
        "    retry: {max_retries: 0}\n",
        {"K": "sk-scripted-9876"},
    )
    provider = registry.get("fake")

    key = registry.get("fake").config.api_key.get_secret_value()

    def next_reply(request: Any) -> ScriptedReply:  # the source line must not hold the key
        raise KeyError(f"choices missing; request had key {key}")

    provider.client.next_reply = next_reply
    with pytest.raises(MalformedResponseError) as info:
        await provider.complete([LLMMessage(role="user", content="hi")])
    text = "".join(traceback.format_exception(info.value))
    assert "KeyError" in text
    assert "sk-scripted-9876" not in text
    assert provider.get_usage().outcomes == {"error": 1}


def test_bytes_bodies_and_original_exceptions_are_scrubbed() -> None:
    secret = "sk-live-bytes-123456"

    class Wrapper(Exception):
        """Like LiteLLM's wrappers: the original is printed from __str__, not chained."""

        def __init__(self, original: Exception) -> None:
            super().__init__("stream failed")
            self.original_exception = original

        def __str__(self) -> str:
            return f"stream failed: {self.original_exception}"

    inner = ValueError(f"echo {secret}")
    inner.body = f'{{"error": "{secret}"}}'.encode()  # type: ignore[attr-defined]
    error = Wrapper(inner)
    scrub_exception_chain(error, [secret])
    assert secret not in str(error)
    assert secret.encode() not in inner.body  # type: ignore[attr-defined]
