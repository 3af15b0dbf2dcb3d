"""Building the provider's ``openai.AsyncOpenAI`` client (the one place the key is read).

The client is built once per provider, with the SDK's retries off (``max_retries=0``):
the core's retry loop is the only one. ``base_url`` may point at a proxy, an enterprise
deployment or any OpenAI-compatible server; such a server often needs no key, and is then
sent a placeholder rather than whatever ``OPENAI_API_KEY`` holds. Without a ``base_url``
and an ``api_key``, the SDK reads ``OPENAI_API_KEY``.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING

from orchestify_core.config import ProviderConfig
from orchestify_core.errors import ConfigError
from orchestify_core.models import ProviderContext

from ._options import OpenAIOptions, parse_options
from ._validation import has_custom_base_url

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["NO_KEY_PLACEHOLDER", "create_client", "options_of", "secrets_of"]

NO_KEY_PLACEHOLDER = "no-key-required"
"""The key sent to a custom ``base_url`` when the config gives none."""

#: Parsed options per SDK client, with the config they were parsed from; an entry goes
#: with its client.
_parsed: weakref.WeakKeyDictionary[object, tuple[ProviderConfig, OpenAIOptions]] = (
    weakref.WeakKeyDictionary()
)


def _remember(provider: ProviderContext, client: object, options: OpenAIOptions) -> None:
    # A client that takes no weak reference has its options parsed on every call.
    with contextlib.suppress(TypeError):
        _parsed[client] = (provider.config, options)


def options_of(provider: ProviderContext) -> OpenAIOptions:
    """The provider's parsed options: parsed once per client and config, not per call.

    :raises ConfigError: for an unknown key or a bad value (see :func:`parse_options`).
    """
    client = provider.client
    entry = _parsed.get(client)
    if entry is not None and entry[0] is provider.config:
        return entry[1]
    options = parse_options(provider.provider_id, provider.config.options)
    _remember(provider, client, options)
    return options


def _configured_key(provider: ProviderContext) -> str | None:
    """The configured key, or None (read only to build the client)."""
    key = provider.config.api_key
    if key is None:
        return None
    return key.get_secret_value() or None


def secrets_of(provider: ProviderContext) -> tuple[str, ...]:
    """What must never appear in an error message: the key the client holds (which may
    come from ``OPENAI_API_KEY``), read from the client rather than the config again."""
    key = getattr(provider.client, "api_key", None)
    return (key,) if isinstance(key, str) and key and key != NO_KEY_PLACEHOLDER else ()


def create_client(provider: ProviderContext) -> AsyncOpenAI:
    """The provider's SDK client.

    :raises ConfigError: the options are invalid, or no key is configured for the OpenAI
        API and ``OPENAI_API_KEY`` is not set.
    """
    import openai

    config = provider.config
    options = parse_options(provider.provider_id, config.options)
    key = _configured_key(provider)
    if key is None and has_custom_base_url(config):
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
    _remember(provider, client, options)
    return client
