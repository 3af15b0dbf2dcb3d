"""Provider name -> server class, for the command line and the process helper."""

from __future__ import annotations

from ._base import LoopbackServer
from .anthropic import AnthropicServer
from .openai import OpenAIServer

__all__ = ["PROVIDERS", "server_class"]

_CLASSES: dict[str, type[LoopbackServer]] = {
    AnthropicServer.provider: AnthropicServer,
    OpenAIServer.provider: OpenAIServer,
}

PROVIDERS: tuple[str, ...] = tuple(_CLASSES)


def server_class(provider: str) -> type[LoopbackServer]:
    """The server class for ``provider`` (``"anthropic"`` or ``"openai"``)."""
    try:
        return _CLASSES[provider]
    except KeyError:
        raise ValueError(
            f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}"
        ) from None
