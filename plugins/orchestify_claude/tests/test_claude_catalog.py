"""The ``anthropic`` catalog against the anthropic SDK's own data, one orchestify WARNING per
process for a deprecated model, and the SDK's raw DeprecationWarning kept off the screen on
real calls against the loopback server."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, get_args

import anthropic
import pytest
from anthropic._data import DEPRECATED_MODELS

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.catalog import CatalogEntry
from orchestify_core.lifecycle import forget_warnings, today
from orchestify_core.plugins import create_plugin_manager, ensure_provider_type
from orchestify_core.testing.servers import AnthropicServer

MakeProvider = Callable[..., LLMProvider]

DEPRECATED = "claude-sonnet-4-5"
SDK_WARNING = re.compile(r"The model '.*' is deprecated and will reach end-of-life")


def _catalog(models: list[str] | None = None) -> dict[str, CatalogEntry]:
    host = create_plugin_manager()
    ensure_provider_type(host, "anthropic")
    entries = host.hooks_for("anthropic").orchestify_model_catalog(
        provider_type="anthropic", models=models, lifecycle_only=False
    )
    return {entry.model: entry for entry in entries}


def _end_of_life(text: str) -> date:
    return datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)", r"\1", text), "%B %d, %Y").date()


def test_every_sdk_model_is_listed_with_the_sdks_end_of_life() -> None:
    catalog = _catalog()
    declared = get_args(get_args(anthropic.types.Model)[0])
    assert set(declared) <= set(catalog)
    for model in declared:
        entry = catalog[model]
        assert entry.deprecated is (model in DEPRECATED_MODELS), model
        if model in DEPRECATED_MODELS:
            assert entry.end_of_life == _end_of_life(DEPRECATED_MODELS[model])
            assert entry.lifecycle_source == f"anthropic {anthropic.__version__}"
            assert entry.replacement in declared
            assert entry.replacement not in DEPRECATED_MODELS


def test_limits_and_prices_are_what_a_provider_uses(make_provider: MakeProvider) -> None:
    """The catalog shows what a provider of the type enforces and charges."""
    provider = make_provider()
    for model, entry in _catalog().items():
        assert entry.capabilities == provider.capabilities(model), model
        assert entry.price == provider.price(model), model


def test_a_lookup_answers_for_the_ids_asked_only() -> None:
    found = _catalog([DEPRECATED, "gpt-4o", "claude-someday-9"])
    assert set(found) == {DEPRECATED, "claude-someday-9"}
    assert found[DEPRECATED].deprecated
    assert not found["claude-someday-9"].deprecated


@pytest.fixture
def fresh_warnings() -> Iterator[None]:
    forget_warnings()
    yield
    forget_warnings()


@pytest.mark.usefixtures("fresh_warnings")
async def test_a_deprecated_model_warns_once_and_the_sdk_warning_is_not_shown(
    make_provider: MakeProvider,
    anthropic_server: AnthropicServer,
    caplog: pytest.LogCaptureFixture,
    recwarn: pytest.WarningsRecorder,
) -> None:
    caplog.set_level(logging.WARNING)
    messages = [LLMMessage(role="user", content="hi")]
    for decode in ("fast", "sdk"):
        provider = make_provider(default_model=DEPRECATED, options={"decode": decode})
        assert (await provider.complete(messages)).content == "echo: hi"
        assert "".join([chunk async for chunk in provider.stream(messages)]) == "echo: hi"
    served = [r.body["model"] for r in anthropic_server.requests if r.body]
    assert served == [DEPRECATED] * 4
    ours = [r.getMessage() for r in caplog.records if r.name == "orchestify_core.lifecycle"]
    end = _end_of_life(DEPRECATED_MODELS[DEPRECATED]).isoformat()
    assert len(ours) == 1
    assert ours[0].startswith(f"provider 'claude_main': model '{DEPRECATED}' is deprecated; ")
    assert f"its end of life {'is' if end >= today().isoformat() else 'was'} {end}" in ours[0]
    assert [str(w.message) for w in recwarn if SDK_WARNING.search(str(w.message))] == []


async def test_the_filter_hides_only_that_models_sdk_warning(
    make_provider: MakeProvider, anthropic_server: AnthropicServer
) -> None:
    """After orchestify's calls, the SDK still warns about another deprecated model."""
    other = next(m for m in DEPRECATED_MODELS if m != DEPRECATED and "preview" not in m)
    provider = make_provider(default_model=DEPRECATED)
    await provider.complete([LLMMessage(role="user", content="hi")])
    client = anthropic.AsyncAnthropic(api_key="k", base_url=anthropic_server.base_url)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            await provider.complete([LLMMessage(role="user", content="hi")])
            params: dict[str, Any] = {
                "max_tokens": 8,
                "messages": [{"role": "user", "content": "x"}],
            }
            await client.messages.create(model=other, **params)
    finally:
        await client.close()
    shown = [str(w.message) for w in seen if SDK_WARNING.search(str(w.message))]
    assert len(shown) == 1
    assert f"'{other}'" in shown[0]
