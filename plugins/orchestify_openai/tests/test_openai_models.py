"""Model ids: validation, capabilities, prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from orchestify_openai._models import price_for, profile, validate_model

from orchestify_core import ConfigError, LLMProvider, RequestValidationError, Usage
from orchestify_core.config import ProviderConfig
from orchestify_core.genai_prices import TieredModelPrice
from orchestify_core.plugin import ModelPrice, ProviderContext


def config(base_url: str | None = None) -> ProviderContext:
    """The context of a provider ``gpt`` (validation reads its base_url)."""
    settings = ProviderConfig(type="openai", default_model="gpt-4o", base_url=base_url)
    return ProviderContext("gpt", "openai", settings)


def price(model: str, *, now: datetime | None = None) -> ModelPrice | None:
    return price_for(model, at=now)


@pytest.mark.parametrize(
    "model",
    ["gpt-4o", "gpt-6-astra", "o1", "o3-mini", "o4-mini", "chatgpt-4o-latest",
     "text-davinci-003", "code-davinci-002", "codex-mini-latest", "ft:gpt-4o-mini:org::x1"],
)  # fmt: skip
def test_openai_model_ids_are_accepted(model: str) -> None:
    """OpenAI's id families pass validation."""
    validate_model(config(), model)


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "llama-3.1-8b-instruct", "omni", "4o"])
def test_other_model_ids_are_rejected_with_the_rule(model: str) -> None:
    """A non-OpenAI id is refused with a message naming the model and what is accepted."""
    with pytest.raises(RequestValidationError) as info:
        validate_model(config(), model)
    message = str(info.value)
    assert repr(model) in message
    assert "'gpt-'" in message
    assert "base_url" in message


def test_any_model_is_accepted_with_a_custom_base_url() -> None:
    """With a custom base_url (an OpenAI-compatible server) every model id is accepted."""
    validate_model(config("http://localhost:8000/v1"), "llama-3.1-8b-instruct")


def test_official_base_url_is_not_custom() -> None:
    """Spelling out the OpenAI API's own URL does not relax validation."""
    with pytest.raises(RequestValidationError):
        validate_model(config("https://api.openai.com/v1/"), "llama-3.1-8b-instruct")


def test_provider_with_a_rejected_default_model_fails_to_build(
    build: Callable[[dict[str, Any]], LLMProvider],
) -> None:
    """A registry refuses a provider whose default model is not an OpenAI model."""
    with pytest.raises(ConfigError, match="default_model"):
        build({"type": "openai", "default_model": "mistral-7b", "api_key": "sk-x"})


@pytest.mark.parametrize(
    ("model", "tools", "vision", "thinking", "max_output"),
    [
        ("gpt-4o-2024-08-06", True, True, False, 16_384),
        ("gpt-4o-mini", True, True, False, 16_384),
        ("gpt-4.1-nano", True, True, False, 32_768),
        ("gpt-3.5-turbo", True, False, False, 4_096),
        ("chatgpt-4o-latest", False, True, False, 16_384),
        ("o1-mini", False, False, True, 65_536),
        ("o3-mini", True, False, True, 100_000),
        ("o4-mini", True, True, True, 100_000),
        ("gpt-5", True, True, True, 128_000),
        ("gpt-5-chat-latest", True, True, False, 16_384),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", True, True, False, 16_384),
    ],
)
def test_known_model_capabilities(
    model: str, tools: bool, vision: bool, thinking: bool, max_output: int
) -> None:
    """Known families declare their tools, vision, reasoning and output limit."""
    caps = profile(model).capabilities
    assert caps.known
    assert (caps.tools, caps.vision, caps.thinking) == (tools, vision, thinking)
    assert caps.max_output_tokens == max_output
    assert caps.context_window


def test_context_window_of_newer_families_comes_from_genai_prices() -> None:
    """gpt-5 family context windows are read from the bundled genai-prices data."""
    assert profile("gpt-5").capabilities.context_window == 400_000


def test_unknown_model_is_permissive() -> None:
    """An unknown model (e.g. on a compatible server) is known=False with everything allowed."""
    caps = profile("llama-3.1-8b-instruct").capabilities
    assert not caps.known
    assert caps.tools
    assert caps.vision
    assert caps.thinking
    assert caps.max_output_tokens is None


def test_price_of_a_known_model() -> None:
    """gpt-4o-mini's price comes from genai-prices, cache reads included."""
    model_price = price("gpt-4o-mini")
    assert model_price is not None
    assert model_price.input_per_mtok == Decimal("0.15")
    assert model_price.output_per_mtok == Decimal("0.6")
    assert model_price.cache_read_per_mtok == Decimal("0.075")
    assert model_price.source.startswith("genai-prices 0.2")


def test_dated_model_resolves_to_its_price() -> None:
    """A dated id like gpt-4o-2024-08-06 is priced as gpt-4o."""
    assert price("gpt-4o-2024-08-06") == price("gpt-4o")
    assert price("gpt-4o") is not None


def test_price_in_force_on_a_date() -> None:
    """A price that changed on a date is the one in force (o3 before and after 2025-06-10)."""
    before = price("o3", now=datetime(2025, 6, 1, tzinfo=UTC))
    after = price("o3", now=datetime(2025, 7, 1, tzinfo=UTC))
    assert before is not None
    assert after is not None
    assert (before.input_per_mtok, after.input_per_mtok) == (Decimal("10"), Decimal("2"))


def test_tiered_price_charges_the_band_of_the_call() -> None:
    """A tiered price (gpt-6-astra) is a TieredModelPrice: its base band is the listed
    price, and a call whose input passes a tier's threshold pays that tier's rates.

    (It used to be the base tier alone, its source ending "(base tier)"; the core's
    genai-prices adapter is tier-aware, so the source no longer needs the caveat.)
    """
    model_price = price("gpt-6-astra")
    assert isinstance(model_price, TieredModelPrice)
    assert model_price.input_per_mtok == Decimal("10")
    assert not model_price.source.endswith("(base tier)")
    assert model_price.source.startswith("genai-prices 0.2")
    threshold, band = model_price.tiers[0]
    assert band.input_per_mtok > model_price.input_per_mtok
    small = Usage(input_tokens=threshold, output_tokens=0)
    large = Usage(input_tokens=threshold + 1, output_tokens=0)
    assert model_price.cost(small) == model_price.input_per_mtok * threshold / 1_000_000
    assert model_price.cost(large) == band.input_per_mtok * (threshold + 1) / 1_000_000


@pytest.mark.parametrize("model", ["llama-3.1-8b-instruct", "whisper-1", "moderation"])
def test_unknown_or_non_token_models_are_unpriced(model: str) -> None:
    """No text-token price -> None (explicitly unpriced, never $0)."""
    assert price(model) is None


def test_cached_tokens_cost_the_cache_price() -> None:
    """Cost: uncached input at the input price, cached at the cache-read price."""
    model_price = price("gpt-4o")
    assert model_price is not None
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cache_read_tokens=400_000)
    assert model_price.cost(usage) == Decimal("2.5") * 6 / 10 + Decimal("1.25") * 4 / 10 + 10
