"""Which model ids the ``openai`` provider type accepts."""

from __future__ import annotations

import re

from orchestify_core.config import ProviderConfig
from orchestify_core.errors import RequestValidationError

__all__ = ["OFFICIAL_BASE_URL", "has_custom_base_url", "validate_model"]

OFFICIAL_BASE_URL = "https://api.openai.com/v1"

_PREFIXES = ("gpt-", "chatgpt-", "text-", "code-", "codex-", "ft:")
_O_SERIES = re.compile(r"o\d")
_RULE = (
    "the OpenAI API serves ids starting with 'gpt-', 'o' and a digit (o1, o3, o4-mini), "
    "'chatgpt-', 'text-', 'code-', 'codex-' or 'ft:'; to use another model, point base_url "
    "at an OpenAI-compatible server (any model id is accepted then)"
)


def has_custom_base_url(config: ProviderConfig) -> bool:
    """Whether the provider talks to a server other than the OpenAI API."""
    base_url = config.base_url
    return base_url is not None and base_url.rstrip("/") != OFFICIAL_BASE_URL


def validate_model(provider_id: str, config: ProviderConfig, model: str) -> None:
    """Accept OpenAI model ids, or any id when a custom ``base_url`` is set.

    :raises RequestValidationError: naming the model and the rule.
    """
    if has_custom_base_url(config):
        return
    if model.startswith(_PREFIXES) or _O_SERIES.match(model):
        return
    raise RequestValidationError(
        f"provider {provider_id!r}: model {model!r} is not an OpenAI model: {_RULE}"
    )
