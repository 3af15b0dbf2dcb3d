"""The ``openai`` catalog against the openai SDK's own ``ChatModel`` list and the deprecation
notes it ships with it, and one orchestify WARNING per process for a deprecated model."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import get_args

import openai
import openai.types.shared.chat_model as chat_model
import pytest

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.catalog import CatalogEntry
from orchestify_core.lifecycle import forget_warnings
from orchestify_core.plugins import create_plugin_manager, ensure_provider_type
from orchestify_core.testing.servers import OpenAIServer

MakeProvider = Callable[..., LLMProvider]


def _catalog(models: list[str] | None = None) -> dict[str, CatalogEntry]:
    host = create_plugin_manager()
    ensure_provider_type(host, "openai")
    entries = host.hooks_for("openai").orchestify_model_catalog(
        provider_type="openai", models=models, lifecycle_only=False
    )
    return {entry.model: entry for entry in entries}


def _notes() -> dict[str, str]:
    """Each id of the SDK's "Deprecated values" notes -> its bullet's text."""
    text = Path(chat_model.__file__).read_text().split("Deprecated values:", 1)[1]
    found = {}
    for bullet in text.split("\n- ")[1:]:
        flat = " ".join(bullet.split())
        for model in re.findall(r'"([^"]+)"', flat.split('":', 1)[0] + '"'):
            found[model] = flat
    return found


def test_the_catalog_is_the_sdks_chat_models_with_their_shutdown_dates() -> None:
    catalog, notes = _catalog(), _notes()
    assert set(catalog) == set(get_args(openai.types.ChatModel))
    assert notes
    assert set(notes) <= set(catalog)
    for model, entry in catalog.items():
        assert entry.deprecated is (model in notes), model
        if model in notes:
            assert entry.lifecycle_source == f"openai {openai.__version__}"
            if entry.end_of_life is None:
                assert "shutdown date" not in notes[model]
            else:
                assert f"shutdown date: {entry.end_of_life.isoformat()}" in notes[model]
        if entry.replacement is not None:
            assert entry.replacement in catalog
            assert entry.replacement not in notes


def test_limits_and_prices_are_what_a_provider_uses(make_provider: MakeProvider) -> None:
    provider = make_provider()
    for model, entry in _catalog().items():
        assert entry.capabilities == provider.capabilities(model), model
        assert entry.price == provider.price(model), model


@pytest.fixture
def fresh_warnings() -> Iterator[None]:
    forget_warnings()
    yield
    forget_warnings()


@pytest.mark.usefixtures("fresh_warnings")
async def test_a_deprecated_model_warns_once_per_process(
    make_provider: MakeProvider, openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    deprecated = next(m for m, e in _catalog().items() if e.deprecated and e.end_of_life
                      and e.end_of_life > date.today() and m.startswith("gpt-"))  # fmt: skip
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        provider = make_provider(default_model=deprecated)
        answer = await provider.complete([LLMMessage(role="user", content="hi")])
        assert answer.content == "echo: hi"
    current = make_provider(default_model="gpt-5.5")
    await current.complete([LLMMessage(role="user", content="hi")])
    ours = [r.getMessage() for r in caplog.records if r.name == "orchestify_core.lifecycle"]
    assert len(ours) == 1
    assert ours[0].startswith(f"provider 'gpt': model '{deprecated}' is deprecated; ")
    assert _catalog([deprecated])[deprecated].end_of_life.isoformat() in ours[0]  # type: ignore[union-attr]
