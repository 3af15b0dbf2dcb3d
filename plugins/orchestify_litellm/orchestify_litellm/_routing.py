"""Which backend LiteLLM sends a model string to, and what follows from it.

(A module of its own, as the plugin contract foresees for LiteLLM: the other plugins
serve one backend, this one many, and the route decides messages, thinking, usage and
clients.)

``litellm.get_llm_provider`` reads the ``provider/`` prefix (``azure/``, ``ollama/``,
``anthropic/``...) or recognises a bare model name (``gpt-4o``). A model it cannot place is
sent as an OpenAI-compatible model when the provider has a ``base_url`` (the usual case of
a local server), and refused otherwise.

Anthropic's Claude models (direct, or through Bedrock, Vertex AI or Azure AI) take their
thinking blocks back with a signature, and take ``thinking={"type": "enabled", ...}``; other
reasoning models take ``reasoning_effort``.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Route", "resolve_route", "served_model"]

_CLAUDE_HOSTS = frozenset({"bedrock", "bedrock_converse", "vertex_ai", "azure_ai", "databricks"})
OPENAI_COMPATIBLE = "openai"


@attrs.frozen
class Route:
    """Where a model string goes.

    Attributes:
        model: The model string as the user wrote it.
        provider: LiteLLM's provider name (``anthropic``, ``azure``, ``ollama``...), or None
            when LiteLLM cannot tell.
        custom_llm_provider: The provider to name explicitly to litellm (only when it could
            not tell by itself and the provider has a ``base_url``).
    """

    model: str
    provider: str | None
    custom_llm_provider: str | None = None

    @property
    def claude(self) -> bool:
        """Whether the backend speaks Anthropic's thinking (signed blocks, budgets)."""
        if self.provider == "anthropic":
            return True
        return self.provider in _CLAUDE_HOSTS and "claude" in self.model.lower()

    @property
    def usage_recorded(self) -> bool:
        """Whether LiteLLM records the backend's usage from the stream itself, so that a
        stream need not ask for the usage chunk (``stream_options.include_usage``).

        Anthropic's API sends the usage in ``message_start`` and, cumulative, in
        ``message_delta``; LiteLLM keeps both in the wrapper's recorded chunks. Other
        backends (OpenAI and the OpenAI-compatible ones) send usage only when asked.
        """
        return self.provider == "anthropic"

    @property
    def prefix(self) -> str | None:
        """The ``provider/`` prefix the model string was written with, if any."""
        head, sep, _ = self.model.partition("/")
        return head if sep and head == self.provider else None


def resolve_route(
    litellm: Any, model: str, *, custom_llm_provider: str | None, api_base: str | None
) -> Route:
    """Ask LiteLLM where ``model`` goes; raise ValueError when it cannot tell and no
    ``base_url`` makes it an OpenAI-compatible model."""
    try:
        _, provider, _, _ = litellm.get_llm_provider(
            model=model, custom_llm_provider=custom_llm_provider, api_base=api_base
        )
    except Exception as exc:
        if api_base is None:
            raise ValueError(str(exc)) from None
        return Route(model, OPENAI_COMPATIBLE, custom_llm_provider=OPENAI_COMPATIBLE)
    return Route(model, provider if isinstance(provider, str) and provider else None)


def served_model(route: Route, served: object) -> str:
    """The model that served a call, in LiteLLM's ``provider/model`` form when the request
    used it (providers report bare ids: ``claude-sonnet-4-5`` for ``anthropic/...``).

    The prefix keeps the provider in the name, so the price looked up for the served model
    is this provider's price (Azure's, not OpenAI's).
    """
    if not isinstance(served, str) or not served:
        return route.model
    prefix = route.prefix
    if prefix is None or served.startswith(f"{prefix}/"):
        return served
    return f"{prefix}/{served}"
