"""orchestify-litellm: the ``litellm`` provider type of orchestify.

Any backend LiteLLM reaches (Azure, Cohere, Ollama, Anthropic, OpenAI, Bedrock, ...)
through ``litellm.acompletion``. Importing this package does not import litellm; the plugin
imports it when the first provider of type ``litellm`` is built.
"""

from __future__ import annotations

from typing import Any

from ._provider import PROVIDER_TYPE, LiteLLMProvider

__all__ = ["PROVIDER_TYPE", "LiteLLMProvider", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("orchestify-litellm")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
