"""LiteLLMProvider: an LLMProvider of type ``litellm``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from orchestify_core.plugin import LLMProvider

if TYPE_CHECKING:
    from ._client import LiteLLMClient

__all__ = ["PROVIDER_TYPE", "LiteLLMProvider"]

PROVIDER_TYPE = "litellm"


class LiteLLMProvider(LLMProvider):
    """A provider of type ``litellm``: any backend LiteLLM reaches.

    ``LiteLLMProvider(api_key="...", default_model="anthropic/claude-sonnet-4-6")``, or from
    YAML with ``type: litellm``. Models are LiteLLM model strings (``azure/my-deployment``,
    ``cohere/command-r``, ``ollama/llama3``, ``openai/gpt-4o``...); ``base_url`` is
    LiteLLM's ``api_base`` and ``options`` are passed to LiteLLM as keyword arguments
    (``api_version`` for Azure, for example).
    """

    default_type: ClassVar[str | None] = PROVIDER_TYPE

    @property
    def client(self) -> LiteLLMClient:
        """This event loop's :class:`LiteLLMClient` (litellm, the settings, HTTP clients)."""
        client: LiteLLMClient = self._context.client
        return client
