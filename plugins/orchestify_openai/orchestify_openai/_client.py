"""Building and closing the provider's ``openai.AsyncOpenAI`` client (the one place the key
is read).

The core builds one client per event loop with :func:`create_client`. The SDK's retries
are off (``max_retries=0``): the core's retry loop is the only one. ``base_url`` may point
at a proxy, an enterprise deployment or any OpenAI-compatible server; such a server often
needs no key, and is then sent a placeholder rather than whatever ``OPENAI_API_KEY`` holds.
Without a ``base_url`` and an ``api_key``, the SDK reads ``OPENAI_API_KEY``, which is then
named to the core as a secret so that no error ever shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestify_core.plugin import ConfigError, ProviderContext

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = [
    "NO_KEY_PLACEHOLDER",
    "OFFICIAL_BASE_URL",
    "close_client",
    "create_client",
    "has_custom_base_url",
]

NO_KEY_PLACEHOLDER = "no-key-required"
"""The key sent to a custom ``base_url`` when the config gives none."""

OFFICIAL_BASE_URL = "https://api.openai.com/v1"


def has_custom_base_url(base_url: str | None) -> bool:
    """Whether the provider talks to a server other than the OpenAI API."""
    return base_url is not None and base_url.rstrip("/") != OFFICIAL_BASE_URL


def _configured_key(provider: ProviderContext) -> str | None:
    """The configured key, or None (read only to build the client)."""
    key = provider.config.api_key
    if key is None:
        return None
    return key.get_secret_value() or None


def create_client(provider: ProviderContext) -> AsyncOpenAI:
    """The provider's SDK client for the current event loop.

    :raises ConfigError: no key is configured for the OpenAI API and ``OPENAI_API_KEY``
        is not set.
    """
    import openai

    config = provider.config
    key = _configured_key(provider)
    if key is None and has_custom_base_url(config.base_url):
        key = NO_KEY_PLACEHOLDER
    try:
        client = openai.AsyncOpenAI(
            api_key=key,
            organization=config.organization,
            project=config.project,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            default_headers=dict(config.headers) or None,
        )
    except openai.OpenAIError as exc:
        raise ConfigError(
            f"the openai client could not be built: {exc}",
            path=f"providers.{provider.provider_id}.api_key" if key is None else None,
        ) from None
    if key is None:  # the SDK took it from OPENAI_API_KEY
        provider.add_secret(client.api_key)
    return client


async def close_client(client: AsyncOpenAI) -> None:
    """Close the client's connection pool."""
    await client.close()
