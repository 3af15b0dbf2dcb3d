"""provider.count_tokens(), the count hook's contract, and the pre-flight refusal of a request
that cannot fit the model's context window (fallbacks and budgets included)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import pytest

from orchestify_core import (
    AllProvidersFailedError,
    BudgetExceededError,
    ContextWindowExceededError,
    LLMMessage,
    LLMProvider,
    MalformedResponseError,
    PluginError,
    ProviderRegistry,
    RateLimitError,
    RequestValidationError,
    TokenCount,
    loads_config,
)
from orchestify_core.plugin import CompletionRequest, ProviderContext, hookimpl
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.testing.scripted import ScriptedClient, ScriptedReply

CAPS = "{tools: true, vision: true, thinking: true, context_window: %d}"


def scripted(name: str, window: int, max_tokens: int = 100, extra: str = "") -> str:
    return (
        f"  {name}:\n    type: scripted\n    default_model: s1\n    max_tokens: {max_tokens}\n"
        f"    options: {{capabilities: {CAPS % window}}}\n{extra}"
    )


def registry(text: str, *plugins: object) -> ProviderRegistry:
    host = create_plugin_manager()
    for plugin in plugins:
        host.register(plugin)
    return ProviderRegistry.from_config(loads_config(text, environ={}), plugin_manager=host)


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


def client(provider: LLMProvider) -> ScriptedClient:
    scripted_client: ScriptedClient = provider.client
    return scripted_client


# --------------------------------------------------------------------------- counting


async def test_a_plugin_without_a_count_gets_the_core_estimate() -> None:
    provider = registry("providers:\n" + scripted("p", 1000)).get("p")
    counted = await provider.count_tokens(user("x" * 400))
    assert counted == TokenCount(input_tokens=100, exact=False, method="estimate", model="s1")
    tool = {"name": "f", "description": "d", "input_schema": {"type": "object"}}
    with_tool = await provider.count_tokens(user("x" * 400), tools=[tool])
    schema = '{"name":"f","description":"d","input_schema":{"type":"object"}}'
    assert with_tool.input_tokens == (400 + len(schema)) // 4
    assert client(provider).requests == []


async def test_a_bad_request_is_refused_like_a_call() -> None:
    provider = registry("providers:\n" + scripted("p", 1000)).get("p")
    with pytest.raises(RequestValidationError, match="messages must not be empty"):
        await provider.count_tokens([])
    with pytest.raises(RequestValidationError, match=r"messages\[0\]: unknown role"):
        await provider.count_tokens([{"role": "robot", "content": "hi"}])


class Counting:
    """A cross-cutting plugin answering the count hook first with a set behaviour."""

    def __init__(self, behaviour: str, tokens: int = 0) -> None:
        self.behaviour = behaviour
        self.tokens = tokens
        self.calls: list[bool] = []

    @hookimpl(tryfirst=True)
    def orchestify_count_tokens(
        self, provider: ProviderContext, request: CompletionRequest, offline: bool
    ) -> Awaitable[TokenCount]:
        self.calls.append(offline)
        return self._count(provider, request, offline)

    async def _count(
        self, provider: ProviderContext, request: CompletionRequest, offline: bool
    ) -> TokenCount:
        if self.behaviour == "suspends":
            await asyncio.sleep(0)
        elif self.behaviour == "raises":
            raise RuntimeError(f"tokenizer failed for key {provider.config.api_key}")
        elif self.behaviour == "rate-limited":
            raise RateLimitError("slow down")
        elif self.behaviour == "negative":
            return TokenCount(-1, True, "broken", request.model)
        return TokenCount(self.tokens, True, "plugin", request.model)


KEYED = scripted("p", 1000) + "    api_key: sk-secret-canary-123\n"


async def test_a_plugins_failure_is_typed_and_scrubbed() -> None:
    provider = registry("providers:\n" + KEYED, Counting("raises")).get("p")
    with pytest.raises(MalformedResponseError) as caught:
        await provider.count_tokens(user("hi"))
    error: BaseException | None = caught.value
    assert "RuntimeError" in str(caught.value)
    while error is not None:
        assert "sk-secret-canary-123" not in f"{error} {error!r}"
        error = error.__cause__ or error.__context__


async def test_a_provider_error_keeps_its_type_and_names_provider_and_model() -> None:
    provider = registry("providers:\n" + scripted("p", 1000), Counting("rate-limited")).get("p")
    with pytest.raises(RateLimitError) as caught:
        await provider.count_tokens(user("hi"))
    assert caught.value.provider_id == "p"
    assert caught.value.model == "s1"


async def test_an_impossible_count_is_malformed() -> None:
    provider = registry("providers:\n" + scripted("p", 1000), Counting("negative")).get("p")
    with pytest.raises(MalformedResponseError, match="input_tokens is -1"):
        await provider.count_tokens(user("hi"))


def test_an_async_def_count_hook_is_refused() -> None:
    class AsyncCount:
        @hookimpl
        async def orchestify_count_tokens(self, provider: Any, request: Any, offline: bool) -> Any:
            return None

    with pytest.raises(PluginError, match="orchestify_count_tokens"):
        create_plugin_manager().register(AsyncCount())


# --------------------------------------------------------------------------- pre-flight


async def test_one_token_over_the_window_is_refused_and_nothing_sent() -> None:
    """window 1000, max_tokens 100: 3604 characters estimate at 901 tokens."""
    provider = registry("providers:\n" + scripted("p", 1000)).get("p")
    with pytest.raises(ContextWindowExceededError) as caught:
        await provider.complete(user("x" * 3604), max_tokens=100)
    error = caught.value
    assert isinstance(error, RequestValidationError)
    assert (error.input_tokens, error.max_tokens, error.context_window) == (901, 100, 1000)
    assert str(error) == (
        "provider 'p': the request does not fit model 's1''s context window: 901 input "
        "tokens (estimated, estimate) + max_tokens 100 = 1001 > 1000; nothing was sent "
        "(shorten the messages or lower max_tokens)"
    )
    with pytest.raises(ContextWindowExceededError):
        provider.stream(user("x" * 3604), max_tokens=100)
    assert client(provider).requests == []
    assert provider.get_usage().attempts == 0


async def test_exactly_the_window_is_sent() -> None:
    provider = registry("providers:\n" + scripted("p", 1000)).get("p")
    response = await provider.complete(user("x" * 3600), max_tokens=100)
    assert response.content == "echo: " + "x" * 3600
    assert [request.max_tokens for request in client(provider).requests] == [100]


async def test_a_default_max_tokens_shrinks_to_what_the_window_leaves() -> None:
    provider = registry("providers:\n" + scripted("p", 1000, max_tokens=500)).get("p")
    await provider.complete(user("x" * 3600))
    assert client(provider).requests[-1].max_tokens == 100
    with pytest.raises(ContextWindowExceededError):  # the caller's own is never changed
        await provider.complete(user("x" * 3600), max_tokens=500)


async def test_a_model_of_unknown_capabilities_is_not_refused() -> None:
    caps = "{context_window: 1000, known: false}"
    text = "providers:\n  p:\n    type: scripted\n    default_model: s1\n"
    text += f"    options: {{capabilities: {caps}}}\n"
    provider = registry(text).get("p")
    await provider.complete(user("x" * 8000), max_tokens=100)
    assert len(client(provider).requests) == 1


async def test_the_plugins_offline_count_decides_past_the_bound() -> None:
    counting = Counting("fits", tokens=900)
    provider = registry("providers:\n" + scripted("p", 1000), counting).get("p")
    await provider.complete(user("x" * 20), max_tokens=100)
    assert counting.calls == []  # the cheap bound fitted: nothing counted
    await provider.complete(user("x" * 8000), max_tokens=100)
    assert counting.calls == [True]  # counted offline, and 900 + 100 fits
    counting.tokens = 901
    with pytest.raises(ContextWindowExceededError, match=r"901 input tokens \(counted, plugin\)"):
        await provider.complete(user("x" * 8000), max_tokens=100)


async def test_an_offline_count_that_suspends_is_replaced_by_the_estimate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = registry("providers:\n" + scripted("p", 1000), Counting("suspends")).get("p")
    with (
        caplog.at_level(logging.WARNING, logger="orchestify_core.provider"),
        pytest.raises(ContextWindowExceededError, match="estimated, estimate"),
    ):
        await provider.complete(user("x" * 3604), max_tokens=100)
    assert "suspended" in caplog.text


async def test_a_fallback_the_request_does_not_fit_is_skipped() -> None:
    text = "providers:\n" + scripted("big", 100_000, extra="    fallbacks: [small, other]\n")
    text += scripted("small", 1000) + scripted("other", 100_000)
    providers = registry(text)
    big, small = providers.get("big"), providers.get("small")
    client(big).enqueue(ScriptedReply(error=RateLimitError("busy")))
    response = await big.complete(user("x" * 8000), max_tokens=100, max_retries=0)
    assert response.provider_id == "other"
    assert client(small).requests == []


async def test_a_chain_with_no_fallback_that_fits_says_why() -> None:
    text = "providers:\n" + scripted("big", 100_000, extra="    fallbacks: [small]\n")
    text += scripted("small", 1000)
    providers = registry(text)
    big, small = providers.get("big"), providers.get("small")
    client(big).enqueue(ScriptedReply(error=RateLimitError("busy")))
    with pytest.raises(AllProvidersFailedError) as caught:
        await big.complete(user("x" * 8000), max_tokens=100, max_retries=0)
    assert "ContextWindowExceededError" in str(caught.value)
    assert client(small).requests == []


# --------------------------------------------------------------------------- budgets

BUDGETED = "ledger: {backend: memory}\nbudgets:\n  b: {limit_tokens: 1050, period: day}\n"


async def test_a_budget_holds_the_plugins_count() -> None:
    """The hold is the plugin's offline count plus max_tokens: 900 + 100 fits a budget of
    1050 tokens, 1000 + 100 does not (the core's estimate of "hi" would be 0 + 100)."""
    counting = Counting("fits", tokens=900)
    text = "providers:\n" + scripted("p", 100_000) + BUDGETED
    provider = registry(text, counting).get("p")
    await provider.complete(user("hi"), max_tokens=100)
    assert counting.calls == [True]
    counting.tokens = 1000
    with pytest.raises(BudgetExceededError):
        await provider.complete(user("hi"), max_tokens=100)
    assert len(client(provider).requests) == 1
