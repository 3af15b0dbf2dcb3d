"""orchestify-openai: the ``openai`` provider type of orchestify.

Chat Completions through the official ``openai`` SDK, against the OpenAI API or any
OpenAI-compatible server. Importing this package does not import the SDK; the plugin
imports it when the first provider of type ``openai`` is built.
"""

from __future__ import annotations

from typing import Any

from ._provider import PROVIDER_TYPE, OpenAIProvider

__all__ = ["PROVIDER_TYPE", "OpenAIProvider", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("orchestify-openai")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
