"""The ``options:`` an ``openai`` provider takes in its config.

::

    providers:
      gpt:
        type: openai
        default_model: o4-mini
        options:
          reasoning_effort: high              # effort of calls with thinking=True (medium)
          max_tokens_param: max_tokens        # force the output-limit parameter's name
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from orchestify_core.errors import ConfigError

__all__ = ["OpenAIOptions", "parse_options"]

MaxTokensParam = Literal["max_tokens", "max_completion_tokens"]
_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
_MAX_TOKENS_PARAMS: tuple[MaxTokensParam, ...] = ("max_tokens", "max_completion_tokens")


@attrs.frozen
class OpenAIOptions:
    """Parsed provider options.

    Attributes:
        reasoning_effort: The ``reasoning_effort`` sent when a call asks for thinking.
        max_tokens_param: The name the output limit is sent under; None picks it per model
            (``max_completion_tokens`` for reasoning and newer models, else ``max_tokens``).
    """

    reasoning_effort: str = "medium"
    max_tokens_param: MaxTokensParam | None = None


def parse_options(provider_id: str, options: Mapping[str, Any]) -> OpenAIOptions:
    """Check and parse a provider's ``options``.

    :raises ConfigError: for an unknown key or a bad value, with its key path.
    """
    base = f"providers.{provider_id}.options"
    unknown = sorted(set(options) - {"reasoning_effort", "max_tokens_param"})
    if unknown:
        raise ConfigError(
            "unknown option of the openai provider (known: max_tokens_param, reasoning_effort)",
            path=f"{base}.{unknown[0]}",
        )
    effort = options.get("reasoning_effort", "medium")
    if effort not in _EFFORTS:
        raise ConfigError(f"must be one of {', '.join(_EFFORTS)}", path=f"{base}.reasoning_effort")
    param = options.get("max_tokens_param")
    if param is not None and param not in _MAX_TOKENS_PARAMS:
        raise ConfigError(
            "must be max_tokens or max_completion_tokens", path=f"{base}.max_tokens_param"
        )
    return OpenAIOptions(reasoning_effort=effort, max_tokens_param=param)
