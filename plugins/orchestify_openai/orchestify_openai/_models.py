"""The model catalog: which ids the provider accepts, what each model can do, its price.

A model id is matched against a table of families (dated ids and ``ft:`` fine-tunes
resolve to their base family). Each family says what the model accepts (tools, images,
reasoning), its limits, and the request shape it needs: reasoning models take
``developer`` messages instead of ``system`` ones, ``max_completion_tokens`` instead of
``max_tokens``, and no ``temperature``. A model the table does not know (any model of an
OpenAI-compatible server) gets permissive capabilities marked ``known=False`` and the
classic request shape. Prices and the context windows of the newer families come from
the genai-prices snapshot bundled with the package (tier-aware, through the core).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

import attrs

from orchestify_core.plugin import (
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    RequestValidationError,
    genai_prices,
)

from ._client import has_custom_base_url

__all__ = ["UNKNOWN", "ModelProfile", "capabilities_for", "price_for", "profile", "validate_model"]

_GENAI_PROVIDER = "openai"
_PREFIXES = ("gpt-", "chatgpt-", "text-", "code-", "codex-", "ft:")
_O_SERIES = re.compile(r"o\d")
_RULE = (
    "the OpenAI API serves ids starting with 'gpt-', 'o' and a digit (o1, o3, o4-mini), "
    "'chatgpt-', 'text-', 'code-', 'codex-' or 'ft:'; to use another model, point base_url "
    "at an OpenAI-compatible server (any model id is accepted then)"
)


def validate_model(provider: ProviderContext, model: str) -> None:
    """Accept OpenAI model ids, or any id when a custom ``base_url`` is set.

    :raises RequestValidationError: naming the model and the rule.
    """
    if has_custom_base_url(provider.config.base_url):
        return
    if model.startswith(_PREFIXES) or _O_SERIES.match(model):
        return
    raise RequestValidationError(
        f"provider {provider.provider_id!r}: model {model!r} is not an OpenAI model: {_RULE}"
    )


@attrs.frozen
class ModelProfile:
    """A model's capabilities and the request shape it needs.

    Attributes:
        capabilities: What the core checks requests against.
        reasoning: A reasoning model (o-series, gpt-5 and later): ``developer`` messages
            and no ``temperature``.
        max_completion_tokens: The output limit is sent as ``max_completion_tokens``.
    """

    capabilities: ModelCapabilities
    reasoning: bool = False
    max_completion_tokens: bool = False


def _caps(
    *,
    tools: bool = True,
    vision: bool = True,
    thinking: bool = False,
    context: int | None,
    output: int,
) -> ModelCapabilities:
    return ModelCapabilities(
        tools=tools,
        vision=vision,
        thinking=thinking,
        context_window=context,
        max_output_tokens=output,
    )


def _reasoning(
    *, tools: bool = True, vision: bool = True, context: int | None, output: int
) -> ModelProfile:
    caps = _caps(tools=tools, vision=vision, thinking=True, context=context, output=output)
    return ModelProfile(caps, reasoning=True, max_completion_tokens=True)


# Checked in order; a pattern matches a prefix of the id that ends at "-" or at the end, so
# "gpt-4o" covers "gpt-4o-2024-08-06" but not "gpt-4o1". A context window of None is taken
# from the bundled genai-prices data, which follows the newer families more closely.
_FAMILIES: tuple[tuple[str, ModelProfile], ...] = (
    # gpt-5 and later: reasoning models, except the non-reasoning "-chat" variants.
    (
        r"gpt-(?:[5-9]|\d{2,})(?:\.\d+)?-chat",
        ModelProfile(_caps(context=128_000, output=16_384), max_completion_tokens=True),
    ),
    (r"gpt-(?:[5-9]|\d{2,})(?:\.\d+)?", _reasoning(context=None, output=128_000)),
    # o-series reasoning models.
    (r"o1-mini", _reasoning(tools=False, vision=False, context=128_000, output=65_536)),
    (r"o1-preview", _reasoning(tools=False, vision=False, context=128_000, output=32_768)),
    (r"o3-mini", _reasoning(vision=False, context=200_000, output=100_000)),
    (r"o\d+", _reasoning(context=200_000, output=100_000)),
    # Open-weight reasoning models, usually served by an OpenAI-compatible server.
    (
        r"gpt-oss",
        ModelProfile(_caps(vision=False, thinking=True, context=131_072, output=131_072)),
    ),
    # GPT-4.x.
    (
        r"gpt-4\.1",
        ModelProfile(_caps(context=1_047_576, output=32_768), max_completion_tokens=True),
    ),
    (r"gpt-4\.5-preview", ModelProfile(_caps(context=128_000, output=16_384))),
    (
        r"gpt-4o(?:-mini)?-search-preview",
        ModelProfile(_caps(tools=False, vision=False, context=128_000, output=16_384)),
    ),
    (
        r"gpt-4o(?:-mini)?-audio-preview",
        ModelProfile(_caps(vision=False, context=128_000, output=16_384)),
    ),
    (r"gpt-4o-2024-05-13", ModelProfile(_caps(context=128_000, output=4_096))),
    (r"gpt-4o", ModelProfile(_caps(context=128_000, output=16_384))),
    (r"chatgpt-4o", ModelProfile(_caps(tools=False, context=128_000, output=16_384))),
    (r"gpt-4-turbo", ModelProfile(_caps(context=128_000, output=4_096))),
    (
        r"gpt-4-(?:0125|1106)-preview",
        ModelProfile(_caps(vision=False, context=128_000, output=4_096)),
    ),
    (r"gpt-4-32k", ModelProfile(_caps(vision=False, context=32_768, output=8_192))),
    (r"gpt-4", ModelProfile(_caps(vision=False, context=8_192, output=8_192))),
    (r"gpt-3\.5-turbo", ModelProfile(_caps(vision=False, context=16_385, output=4_096))),
)
_COMPILED = tuple((re.compile(pattern + r"(?:-|$)"), family) for pattern, family in _FAMILIES)

UNKNOWN = ModelProfile(ModelCapabilities(tools=True, vision=True, thinking=True, known=False))
"""The profile of a model the table does not know: permissive, classic request shape."""


def _base_model(model: str) -> str:
    """The base model of a fine-tune (``ft:gpt-4o-mini-2024-07-18:org::id``), else the id."""
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    return model


@lru_cache(maxsize=512)
def profile(model: str) -> ModelProfile:
    """The profile of ``model``; :data:`UNKNOWN` when no family matches."""
    base = _base_model(model.strip().lower())
    for pattern, family in _COMPILED:
        if pattern.match(base):
            if family.capabilities.context_window is None:
                window = genai_prices.context_window(_GENAI_PROVIDER, model)
                caps = attrs.evolve(family.capabilities, context_window=window)
                return attrs.evolve(family, capabilities=caps)
            return family
    return UNKNOWN


def capabilities_for(model: str) -> ModelCapabilities:
    """What ``model`` can do (permissive and ``known=False`` for an unknown model)."""
    return profile(model).capabilities


def price_for(model: str, *, at: datetime | None = None) -> ModelPrice | None:
    """The price of ``model`` in force at ``at`` (default now), tiered where genai-prices
    tiers it; None when it has no price for the model's text tokens (unpriced, never $0).
    genai-prices matches dated ids and fine-tunes to their model."""
    return genai_prices.price_for(_GENAI_PROVIDER, model, at=at)
