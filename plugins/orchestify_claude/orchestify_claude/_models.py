"""The Claude model catalog: which ids are accepted, what each family can do, what it costs.

Prices and, for unknown models, context windows come from the snapshot bundled with
genai-prices (through the core's ``genai_prices``, tier-aware: Sonnet 4.5's long-context
rate applies past 200k input tokens). Neither the anthropic SDK nor genai-prices ships
per-model capabilities offline (the SDK reads them from the live ``GET /v1/models``), so
this module keeps a small documented table. A model id is reduced to its family by
dropping a date or ``-latest`` suffix (``claude-3-5-sonnet-20241022`` ->
``claude-3-5-sonnet``); a family missing from the table is *unknown*: permissive guesses
with ``known=False``, and the context window genai-prices records for it when it has one.

================================================  =====  ======  ========  =======  ==========
family                                            tools  vision  thinking  context  max output
================================================  =====  ======  ========  =======  ==========
claude-3-haiku, claude-3-sonnet, claude-3-opus    yes    yes     no        200k     4,096
claude-3-5-haiku, claude-3-5-sonnet               yes    yes     no        200k     8,192
claude-3-7-sonnet                                 yes    yes     yes       200k     64,000
claude-sonnet-4 (-0), claude-sonnet-4-5           yes    yes     yes       200k     64,000
claude-haiku-4-5, claude-opus-4-5                 yes    yes     yes       200k     64,000
claude-opus-4 (-0), claude-opus-4-1               yes    yes     yes       200k     32,000
claude-sonnet-4-6, claude-opus-4-6                yes    yes     yes       1M       not checked
================================================  =====  ======  ========  =======  ==========

The 4.6 models' output limit is not in any offline source, so it is left to the API
(``max_output_tokens=None``). Thinking for ``claude-opus-4-6`` is sent as ``adaptive`` (see
:data:`ADAPTIVE_THINKING_FAMILIES`).
"""

from __future__ import annotations

import re

import attrs

from orchestify_core.plugin import (
    ModelCapabilities,
    ModelPrice,
    RequestValidationError,
    genai_prices,
)

__all__ = [
    "ADAPTIVE_THINKING_FAMILIES",
    "GENAI_PRICES_PROVIDER",
    "MODEL_PREFIX",
    "capabilities_for",
    "family_of",
    "known_families",
    "price_for",
    "validate_model",
]

#: Every Claude model id starts with this.
MODEL_PREFIX = "claude-"
#: Anthropic's provider id in genai-prices.
GENAI_PRICES_PROVIDER = "anthropic"

_K = 1_000


@attrs.frozen
class _Family:
    thinking: bool
    context_window: int
    max_output_tokens: int | None


_CLAUDE_3 = _Family(thinking=False, context_window=200 * _K, max_output_tokens=4_096)
_CLAUDE_3_5 = _Family(thinking=False, context_window=200 * _K, max_output_tokens=8_192)
_THINKING_64K = _Family(thinking=True, context_window=200 * _K, max_output_tokens=64_000)
_OPUS_4 = _Family(thinking=True, context_window=200 * _K, max_output_tokens=32_000)
_ONE_MILLION = _Family(thinking=True, context_window=1_000 * _K, max_output_tokens=None)

_FAMILIES: dict[str, _Family] = {
    "claude-3-haiku": _CLAUDE_3,
    "claude-3-sonnet": _CLAUDE_3,
    "claude-3-opus": _CLAUDE_3,
    "claude-3-5-haiku": _CLAUDE_3_5,
    "claude-3-5-sonnet": _CLAUDE_3_5,
    "claude-3-7-sonnet": _THINKING_64K,
    "claude-sonnet-4": _THINKING_64K,
    "claude-sonnet-4-0": _THINKING_64K,
    "claude-sonnet-4-5": _THINKING_64K,
    "claude-haiku-4-5": _THINKING_64K,
    "claude-opus-4-5": _THINKING_64K,
    "claude-opus-4": _OPUS_4,
    "claude-opus-4-0": _OPUS_4,
    "claude-opus-4-1": _OPUS_4,
    "claude-sonnet-4-6": _ONE_MILLION,
    "claude-opus-4-6": _ONE_MILLION,
}

#: Families for which the anthropic SDK (2.14) deprecates ``thinking.type="enabled"`` in
#: favour of ``"adaptive"``; thinking requests for them are sent as adaptive.
ADAPTIVE_THINKING_FAMILIES = frozenset({"claude-opus-4-6", "claude-mythos-preview"})

_SUFFIX = re.compile(r"(?:-\d{8}|-latest|@\d{8})$")


def family_of(model: str) -> str:
    """The model id without its date or ``-latest`` suffix."""
    return _SUFFIX.sub("", model)


def known_families() -> tuple[str, ...]:
    """The model families of the table above (ids without a date suffix)."""
    return tuple(_FAMILIES)


def validate_model(provider_id: str, model: str) -> None:
    """Refuse a model id that is not a Claude one, saying what is accepted."""
    if not model.startswith(MODEL_PREFIX):
        raise RequestValidationError(
            f"model {model!r} is not a Claude model: provider {provider_id!r} "
            f"(type 'anthropic') accepts model ids that start with {MODEL_PREFIX!r}, "
            "like 'claude-sonnet-4-6'"
        )


def capabilities_for(model: str) -> ModelCapabilities:
    """The capabilities of ``model``; ``known=False`` with permissive guesses if unknown."""
    family = _FAMILIES.get(family_of(model))
    if family is None:
        return ModelCapabilities(
            tools=True,
            vision=True,
            thinking=True,
            context_window=genai_prices.context_window(GENAI_PRICES_PROVIDER, model),
            known=False,
        )
    return ModelCapabilities(
        tools=True,
        vision=True,
        thinking=family.thinking,
        context_window=family.context_window,
        max_output_tokens=family.max_output_tokens,
    )


def price_for(model: str) -> ModelPrice | None:
    """The genai-prices price of ``model`` (tiered where it is), or None: unpriced."""
    return genai_prices.price_for(GENAI_PRICES_PROVIDER, model)
