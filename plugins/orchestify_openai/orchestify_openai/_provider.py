"""OpenAIProvider: an LLMProvider of type ``openai``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from orchestify_core.plugin import LLMProvider

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["PROVIDER_TYPE", "OpenAIProvider"]

PROVIDER_TYPE = "openai"


class OpenAIProvider(LLMProvider):
    """A provider of type ``openai``: the OpenAI API, or any OpenAI-compatible server.

    ``OpenAIProvider(api_key="sk-...", default_model="gpt-5.4-mini")``, or from YAML with
    ``type: openai``. Set ``base_url`` for a proxy, an enterprise deployment, or a server
    such as vLLM, Ollama or LM Studio (any model id is accepted then).
    """

    default_type: ClassVar[str | None] = PROVIDER_TYPE

    @property
    def client(self) -> AsyncOpenAI:
        """The current event loop's ``openai.AsyncOpenAI`` client (SDK retries off)."""
        client: AsyncOpenAI = self._context.client
        return client
