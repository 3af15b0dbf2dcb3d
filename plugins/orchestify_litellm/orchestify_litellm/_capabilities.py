"""What a model can do, as LiteLLM's model map says.

A model the map lists is ``known``: tools from ``supports_function_calling``, vision from
``supports_vision``, thinking from ``supports_reasoning`` (through LiteLLM's own
``supports_*`` functions, which also read the provider-level defaults), the context window
from ``max_input_tokens`` and the output limit from ``max_output_tokens``. A model it does
not list (a local model, a fine-tune, a new release) is ``known=False`` with permissive
guesses, so the core does not refuse requests on them.
"""

from __future__ import annotations

from typing import Any

from orchestify_core.models import ModelCapabilities

from ._catalog import lookup

__all__ = ["UNKNOWN", "capabilities", "supports"]

UNKNOWN = ModelCapabilities(tools=True, vision=True, thinking=True, streaming=True, known=False)


def supports(litellm: Any, feature: str, model: str, provider: str | None) -> bool:
    """LiteLLM's ``supports_<feature>(model)``, False when it cannot tell."""
    check = getattr(litellm, f"supports_{feature}", None)
    if check is None:
        return False
    try:
        return bool(check(model=model, custom_llm_provider=provider))
    except Exception:
        return False


def capabilities(litellm: Any, model: str, provider: str | None = None) -> ModelCapabilities:
    """The capabilities of ``model``; ``known=False`` when LiteLLM's map does not list it."""
    entry = lookup(litellm, model, provider)
    if entry is None:
        return UNKNOWN
    return ModelCapabilities(
        tools=supports(litellm, "function_calling", model, provider),
        vision=supports(litellm, "vision", model, provider),
        thinking=supports(litellm, "reasoning", model, provider),
        streaming=True,
        context_window=entry.count("max_input_tokens"),
        max_output_tokens=entry.count("max_output_tokens"),
        known=True,
    )
