"""Constants and helpers shared by the litellm plugin's tests."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from orchestify_core import LLMMessage, LLMProvider
from orchestify_core.testing.servers import LoopbackServer

__all__ = [
    "ANTHROPIC_MODEL",
    "MODELS",
    "OPENAI_MODEL",
    "PNG",
    "PROVIDER_ID",
    "WEATHER",
    "Backend",
    "Build",
    "user",
]

ANTHROPIC_MODEL = "anthropic/claude-sonnet-4-5"
OPENAI_MODEL = "openai/gpt-4o"
MODELS = {"anthropic": ANTHROPIC_MODEL, "openai": OPENAI_MODEL}
PROVIDER_ID = "llm"
WEATHER = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
# A 1x1 transparent PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

Build = Callable[..., LLMProvider]


@attrs.frozen
class Backend:
    """A loopback server and the LiteLLM model string that reaches it."""

    name: str
    server: LoopbackServer
    model: str


def user(text: str) -> list[LLMMessage]:
    """A conversation of one user message."""
    return [LLMMessage("user", text)]
