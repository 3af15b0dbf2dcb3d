"""Checks of token counting (``orchestify_count_tokens``) and of the model catalog
(``orchestify_model_catalog``).

Both hooks are optional: a plugin that does not implement one has its checks skipped, with
the reason. The core's own count (its estimate, registered for every type to run last) is
not the plugin's, so it does not count as implementing the hook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest

from orchestify_core import (
    ContextWindowExceededError,
    LLMMessage,
    LLMProvider,
    ToolDefinition,
)
from orchestify_core import _builtin as core_hooks
from orchestify_core._counting import resolve_now
from orchestify_core.catalog import CatalogEntry, price_json
from orchestify_core.counting import TokenCount
from orchestify_core.lifecycle import today
from orchestify_core.requests import CallArgs
from orchestify_core.testing.servers import LoopbackServer

from ._base import SuiteBase, user

__all__ = ["CatalogChecks", "CountingChecks"]

_SHORT = "What is the capital of France?"
_MORE = " Answer in one word, then explain the history of the city in three paragraphs."
_TOOL = ToolDefinition(
    "get_weather",
    "Get the current weather for a city, with the temperature in Celsius",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city, e.g. Paris"},
            "days": {"type": "integer", "description": "How many days of forecast"},
        },
        "required": ["city"],
    },
)
#: The text repeated to fill a context window: ordinary prose, as a tokenizer meets it.
_FILLER = "The committee reviewed the quarterly figures and agreed on seven new actions. "


def _recorded(server: LoopbackServer | None) -> int:
    return len(server.requests) if server is not None else 0


def _is_count(count: object) -> TokenCount:
    assert isinstance(count, TokenCount), f"the count is a {type(count).__name__}"
    tokens = count.input_tokens
    assert type(tokens) is int, f"input_tokens is {tokens!r}, not an int"
    assert tokens >= 1, f"a non-empty request counted {tokens} tokens"
    return count


class CountingChecks(SuiteBase):
    """The plugin's token count: its type and figures, what more text and tools do, that
    an offline count sends nothing, an endpoint's one request, and the pre-flight refusal."""

    def _claim_counting(self, provider: LLMProvider) -> None:
        impls = provider._hooks.orchestify_count_tokens.get_hookimpls()
        if not any(impl.plugin is not core_hooks for impl in impls):
            pytest.skip("the plugin does not implement orchestify_count_tokens")

    async def _count(
        self, provider: LLMProvider, text: str, offline: bool, tools: bool = False
    ) -> int:
        count = await provider.count_tokens(
            user(text), tools=[_TOOL] if tools else None, offline=offline
        )
        return _is_count(count).input_tokens

    @pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
    async def test_count_tokens_is_a_count(
        self, provider: LLMProvider, server: LoopbackServer | None, offline: bool
    ) -> None:
        """A non-empty request counts at least one token, for the model it asked."""
        self._claim_counting(provider)
        count = _is_count(await provider.count_tokens(user(_SHORT), offline=offline))
        assert count.model == provider.default_model
        assert isinstance(count.exact, bool)
        assert count.method, "the count does not say how it was counted"

    @pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
    async def test_count_tokens_more_text_never_fewer(
        self, provider: LLMProvider, server: LoopbackServer | None, offline: bool
    ) -> None:
        """The same request with text added never counts fewer tokens, and a lot more text
        counts more."""
        self._claim_counting(provider)
        short = await self._count(provider, _SHORT, offline)
        longer = await self._count(provider, _SHORT + _MORE, offline)
        much_longer = await self._count(provider, _SHORT + _MORE * 20, offline)
        assert short <= longer < much_longer, (short, longer, much_longer)

    @pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
    async def test_count_tokens_tools_add_tokens(
        self, provider: LLMProvider, server: LoopbackServer | None, offline: bool
    ) -> None:
        """A tool definition is input too: the request with a tool counts more."""
        self._claim_counting(provider)
        if not self.claimed.tools:
            pytest.skip("the provider does not claim tools")
        without = await self._count(provider, _SHORT, offline)
        with_tool = await self._count(provider, _SHORT, offline, tools=True)
        assert with_tool > without, f"a tool added no tokens ({without} -> {with_tool})"

    async def test_count_tokens_offline_sends_nothing(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """``offline=True`` reaches no server, and the hook's awaitable finishes without
        suspending (the core drives it without an event loop before a call)."""
        self._claim_counting(provider)
        before = _recorded(server)
        await self._count(provider, _SHORT, offline=True, tools=self.claimed.tools is True)
        assert _recorded(server) == before, "an offline count sent a request to the server"
        request = provider._build_request(CallArgs(user(_SHORT), None), None)
        awaitable = provider._hooks.orchestify_count_tokens(
            provider=provider._context, request=request, offline=True
        )
        finished, count = resolve_now(awaitable)
        assert finished, "the offline count suspended (waited on I/O): it must not"
        _is_count(count)
        assert _recorded(server) == before

    async def test_count_tokens_endpoint_one_request(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """An online count through the provider's count endpoint: one request, exact."""
        self._claim_counting(provider)
        if not self.claimed.count_endpoint:
            pytest.skip("the provider does not claim count_endpoint")
        assert server is not None, "count_endpoint is claimed but the suite has no server"
        before = _recorded(server)
        count = _is_count(await provider.count_tokens(user(_SHORT), tools=[_TOOL]))
        assert _recorded(server) == before + 1, "the online count sent not exactly one request"
        assert count.exact is True, f"the endpoint's count is not exact ({count.method})"
        assert not self.generation_requests(server)[before:], "the count generated an answer"

    async def test_context_window_refused_before_sending(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A request whose offline count plus ``max_tokens`` exceeds the model's declared
        context window is refused by ``complete()`` with ContextWindowExceededError, with
        the count it was refused on; nothing reaches the server."""
        self._claim_counting(provider)
        caps = provider.capabilities()
        if caps.context_window is None or not caps.known:
            pytest.skip("the provider declares no context window for its default model")
        max_tokens = min(caps.max_output_tokens or 1024, 1024)
        room = caps.context_window - max_tokens
        messages = await self._overfull(provider, room)
        counted = await provider.count_tokens(messages, offline=True)
        before = _recorded(server)
        with pytest.raises(ContextWindowExceededError) as refused:
            await provider.complete(messages, max_tokens=max_tokens)
        assert _recorded(server) == before, "a request over the context window was sent"
        error = refused.value
        assert (error.input_tokens, error.context_window) == (
            counted.input_tokens,
            caps.context_window,
        )
        assert error.max_tokens == max_tokens

    async def _overfull(self, provider: LLMProvider, room: int) -> list[LLMMessage]:
        """A one-message request whose offline count is above ``room`` (sized from the
        count of one filler sentence, then grown until it does not fit)."""
        per_filler = max(await self._count(provider, _FILLER * 100, offline=True) // 100, 1)
        repeats = room // per_filler + 100
        for _ in range(4):
            messages = user(_FILLER * repeats)
            if (await provider.count_tokens(messages, offline=True)).input_tokens > room:
                return messages
            repeats *= 2
        raise AssertionError(f"the offline count stays within {room} tokens however long")


class CatalogChecks(SuiteBase):
    """The plugin's model catalog: its own type, unique ids, the default model as the
    provider knows it, a consistent lifecycle, and lookups by id."""

    def _catalog(
        self, provider: LLMProvider, models: Sequence[str] | None = None
    ) -> list[CatalogEntry]:
        entries = provider._hooks.orchestify_model_catalog(
            provider_type=provider.provider_type, models=models, lifecycle_only=False
        )
        if entries is None:
            pytest.skip("the plugin does not implement orchestify_model_catalog")
        assert all(isinstance(e, CatalogEntry) for e in entries), "an entry is no CatalogEntry"
        return list(entries)

    async def test_catalog_entries_are_of_the_type(self, provider: LLMProvider) -> None:
        """Every entry names the plugin's type; no model id is listed twice."""
        entries = self._catalog(provider)
        assert entries, "the catalog lists no model"
        types = {entry.provider_type for entry in entries}
        assert types == {provider.provider_type}, f"entries of types {sorted(types)}"
        ids = [entry.model for entry in entries]
        twice = sorted(model for model, times in Counter(ids).items() if times > 1)
        assert not twice, f"model ids listed more than once: {twice[:5]}"

    async def test_catalog_default_model_agrees(self, provider: LLMProvider) -> None:
        """The default model's entry (when the catalog knows it) has the context window,
        output limit and price the provider itself uses."""
        model = provider.default_model
        entries = self._catalog(provider, [model])
        if not entries:
            pytest.skip(f"the catalog does not list the default model {model!r}")
        [entry] = entries
        caps = provider.capabilities()
        assert (entry.context_window, entry.max_output_tokens) == (
            caps.context_window,
            caps.max_output_tokens,
        ), "the catalog's limits are not the provider's capabilities"
        assert price_json(entry.price) == price_json(provider.price()), (
            "the catalog's price is not the provider's"
        )

    async def test_catalog_lifecycle_consistent(self, provider: LLMProvider) -> None:
        """A model past its end of life is deprecated; a lifecycle has its source."""
        on = today()
        for entry in self._catalog(provider):
            if entry.end_of_life is not None and entry.end_of_life < on:
                assert entry.deprecated, f"{entry.model!r} is past its end of life, not deprecated"
            if entry.retiring:
                assert entry.lifecycle_source, f"{entry.model!r} retires, from no named source"

    async def test_catalog_lookup_by_id(self, provider: LLMProvider) -> None:
        """``models=[id]`` gives that model's entry, the one the whole catalog has, only."""
        entries = self._catalog(provider)
        if not entries:
            pytest.skip("the catalog lists no model")
        listed = {entry.model: entry for entry in entries}
        picks = dict.fromkeys([entries[0].model, entries[-1].model])
        if provider.default_model in listed:
            picks[provider.default_model] = None
        for model in picks:
            assert self._catalog(provider, [model]) == [listed[model]], model
