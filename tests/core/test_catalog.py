"""The model catalog hook as the core uses it: the records' JSON, and one WARNING per process
for a model the type's catalog says is deprecated, through a plugin of the test's own (the
first-party plugins' catalogs are checked against their data in their own suites and in
tests/cli/test_cli_models.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal

import pluggy
import pytest

from orchestify_core import CatalogEntry, LLMMessage, ModelCapabilities, hookimpl
from orchestify_core.genai_prices import TieredModelPrice
from orchestify_core.lifecycle import describe, forget_warnings, today
from orchestify_core.plugin import ModelPrice
from orchestify_core.testing.scripted import ScriptedReply

CONFIG = (
    "providers:\n"
    "  fake:\n    type: scripted\n    default_model: old-1\n"
    "  twin:\n    type: scripted\n    default_model: old-1\n"
)


class Lifecycle:
    """A catalog for the ``scripted`` type: ``old-1`` retires in 3 days, ``gone-1`` retired
    10 days ago; ``new-1`` is current."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...] | None] = []

    @hookimpl
    def orchestify_model_catalog(
        self, provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
    ) -> list[CatalogEntry]:
        self.asked.append(None if models is None else tuple(models))
        caps = ModelCapabilities(context_window=8_000)
        known = {
            "old-1": CatalogEntry("old-1", provider_type, caps, deprecated=True,
                                  end_of_life=today() + timedelta(days=3),
                                  lifecycle_source="test data", replacement="new-1"),
            "gone-1": CatalogEntry("gone-1", provider_type, caps, deprecated=True,
                                   end_of_life=today() - timedelta(days=10)),
            "new-1": CatalogEntry("new-1", provider_type, caps),
        }  # fmt: skip
        return [known[m] for m in (models or known) if m in known]


@pytest.fixture
def lifecycle(plugin_manager: pluggy.PluginManager) -> Iterator[Lifecycle]:
    forget_warnings()
    plugin = Lifecycle()
    plugin_manager.register(plugin)
    yield plugin
    forget_warnings()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and r.name == "orchestify_core.lifecycle"]  # fmt: skip


async def test_one_warning_per_process_for_a_deprecated_model(
    lifecycle: Lifecycle, build_registry, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING)
    registry = build_registry(CONFIG)
    again = build_registry(CONFIG)
    for provider in (registry.get("fake"), registry.get("twin"), again.get("fake")):
        provider.client.enqueue(ScriptedReply(text="ok"))
        assert (await provider.complete([LLMMessage(role="user", content="hi")])).content == "ok"
    registry.get("fake").bind(model="old-1")
    (message,) = _warnings(caplog)
    end = (today() + timedelta(days=3)).isoformat()
    assert message == (
        f"provider 'fake': model 'old-1' is deprecated; its end of life is {end} (in 3 days), "
        "according to test data; a current model: 'new-1'"
    )
    assert lifecycle.asked == [("old-1",)]  # one lookup, of that model only


async def test_a_call_naming_a_retired_model_warns_and_a_current_one_does_not(
    lifecycle: Lifecycle, build_registry, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING)
    provider = build_registry(CONFIG).get("fake")
    caplog.clear()
    for model in ("new-1", "gone-1", "gone-1", "unlisted"):
        provider.client.enqueue(ScriptedReply(text="ok"))
        await provider.complete([LLMMessage(role="user", content="hi")], model=model)
    (message,) = _warnings(caplog)
    assert message.startswith("provider 'fake': model 'gone-1' is deprecated; its end of life ")
    assert message.endswith("(10 days ago): the provider may refuse it")


async def test_a_failing_catalog_changes_nothing(
    plugin_manager: pluggy.PluginManager, build_registry, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        @hookimpl
        def orchestify_model_catalog(
            self, provider_type: str, models: Sequence[str] | None, lifecycle_only: bool
        ) -> list[CatalogEntry]:
            raise RuntimeError("no data")

    forget_warnings()
    plugin_manager.register(Broken())
    provider = build_registry(CONFIG).get("fake")
    provider.client.enqueue(ScriptedReply(text="still here"))
    response = await provider.complete([LLMMessage(role="user", content="hi")])
    assert response.content == "still here"
    assert _warnings(caplog) == []


def test_entry_json_has_exact_prices_tiers_and_iso_dates() -> None:
    base = ModelPrice(input_per_mtok=Decimal("3"), output_per_mtok=Decimal("15.0"),
                      cache_read_per_mtok=Decimal("0.30"), source="genai-prices 0.2.3")  # fmt: skip
    band = ModelPrice(input_per_mtok=6, output_per_mtok=Decimal("22.5"))
    price = TieredModelPrice(input_per_mtok=base.input_per_mtok,
                             output_per_mtok=base.output_per_mtok,
                             cache_read_per_mtok=base.cache_read_per_mtok,
                             source=base.source, tiers=((200_000, band),))  # fmt: skip
    entry = CatalogEntry("m-1", "t", ModelCapabilities(tools=True, context_window=1_000_000),
                         price=price, deprecated=True, end_of_life=today(),
                         lifecycle_source="sdk 1.0", listed_by=("sdk 1.0",))  # fmt: skip
    data = entry.to_json()
    assert data["price_per_mtok"] == {
        "input": "3", "output": "15", "cache_read": "0.3", "cache_write": None,
        "tiers": [{"above_input_tokens": 200_000, "input": "6", "output": "22.5",
                   "cache_read": None, "cache_write": None}],
    }  # fmt: skip
    assert data["price_source"] == "genai-prices 0.2.3"
    assert data["end_of_life"] == today().isoformat()
    assert data["context_window"] == 1_000_000
    assert data["capabilities"]["tools"] is True
    assert describe(entry, today()).startswith("is deprecated; its end of life is ")
    assert "(today)" in describe(entry, today())
