"""ClaudeProvider: an LLMProvider of type ``anthropic`` with a typed ``.client``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from orchestify_core.plugin import LLMProvider

if TYPE_CHECKING:
    import anthropic

__all__ = ["PROVIDER_TYPE", "ClaudeProvider"]

PROVIDER_TYPE = "anthropic"


class ClaudeProvider(LLMProvider):
    """A provider of type ``anthropic``.

    ``ClaudeProvider(api_key="sk-ant-...", default_model="claude-sonnet-4-6")``, or let a
    registry build it from a ``type: anthropic`` config entry.
    """

    default_type: ClassVar[str | None] = PROVIDER_TYPE

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        """The current event loop's ``anthropic.AsyncAnthropic`` client, for what the layer
        does not cover."""
        client: anthropic.AsyncAnthropic = self._context.client
        return client
