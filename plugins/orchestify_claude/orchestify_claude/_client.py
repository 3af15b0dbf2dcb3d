"""The ``anthropic.AsyncAnthropic`` client of a provider (one per event loop, the core's rule).

The SDK's own retries are off (``max_retries=0``): the core's retry loop is the only one.
The SDK is imported here, when the first ``anthropic`` provider is built, never when the
plugin module is imported.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from orchestify_core.plugin import ProviderContext

from ._errors import translate_error

if TYPE_CHECKING:
    import anthropic

__all__ = ["close_client", "create_client"]


def create_client(provider: ProviderContext) -> anthropic.AsyncAnthropic:
    """The SDK client for ``provider``'s config: key, base URL, timeout and headers.

    Without an ``api_key`` the SDK looks for credentials itself (``ANTHROPIC_API_KEY``,
    ``ANTHROPIC_AUTH_TOKEN``, a profile...); whatever it found is handed to the core as a
    secret, so that it is scrubbed from errors like the config's key. A profile the SDK
    cannot load is an AuthenticationError here.
    """
    import anthropic

    config = provider.config
    key = config.api_key.get_secret_value() if config.api_key is not None else None
    try:
        client = anthropic.AsyncAnthropic(
            api_key=key or None,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            default_headers=dict(config.headers) or None,
        )
    except anthropic.AnthropicError as exc:
        translated = translate_error(exc)
        if translated is None:  # pragma: no cover - every AnthropicError is translated
            raise
        raise translated from exc
    provider.add_secret(client.api_key)
    provider.add_secret(client.auth_token)
    return client


def close_client(client: anthropic.AsyncAnthropic) -> Awaitable[None]:
    """Close ``client``'s connection pool."""
    return client.close()
