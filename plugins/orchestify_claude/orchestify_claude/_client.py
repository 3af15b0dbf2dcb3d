"""The one ``anthropic.AsyncAnthropic`` client of a provider, and its provider options.

The SDK's own retries are off (``max_retries=0``): the core's retry loop is the only one.
The SDK is imported here, when the first ``anthropic`` provider is built, never when the
plugin module is imported.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from orchestify_core import ConfigError, ProviderConfig, ProviderContext

from ._errors import translate_error

if TYPE_CHECKING:
    import anthropic

__all__ = ["ClaudeOptions", "create_client", "options_for", "options_of", "remember_options"]


@attrs.frozen
class ClaudeOptions:
    """The provider's ``options:``.

    Attributes:
        send_temperature: Send ``temperature`` in the request body. The Messages API
            version the SDK speaks has no sampling parameters, so it is not sent by
            default; set this for an endpoint that still takes it.
    """

    send_temperature: bool = False


def options_of(provider: ProviderContext) -> ClaudeOptions:
    """The provider's options, checked: an unknown key or a wrong type is a ConfigError."""
    raw: Mapping[str, Any] = provider.config.options
    known = {field.name for field in attrs.fields(ClaudeOptions)}
    where = f"providers.{provider.provider_id}.options"
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(
                f"unknown option for type 'anthropic' (known: {', '.join(sorted(known))})",
                path=f"{where}.{key}",
            )
        if not isinstance(value, bool):
            raise ConfigError(f"expected true or false, got {value!r}", path=f"{where}.{key}")
    return ClaudeOptions(**raw)


#: Parsed options per SDK client, with the config they were parsed from; an entry goes
#: with its client.
_parsed: weakref.WeakKeyDictionary[object, tuple[ProviderConfig, ClaudeOptions]] = (
    weakref.WeakKeyDictionary()
)


def remember_options(provider: ProviderContext, client: object, options: ClaudeOptions) -> None:
    """Keep ``options``, parsed from ``provider``'s config, for calls on ``client``."""
    # A client that takes no weak reference has its options parsed on every call.
    with contextlib.suppress(TypeError):
        _parsed[client] = (provider.config, options)


def options_for(provider: ProviderContext) -> ClaudeOptions:
    """``options_of(provider)``, parsed once per client and config rather than per call."""
    client = provider.client
    entry = _parsed.get(client)
    if entry is not None and entry[0] is provider.config:
        return entry[1]
    options = options_of(provider)
    remember_options(provider, client, options)
    return options


def create_client(provider: ProviderContext) -> anthropic.AsyncAnthropic:
    """The SDK client for ``provider``'s config: key, base URL, timeout and headers.

    Without an ``api_key`` the SDK looks for credentials itself (``ANTHROPIC_API_KEY``,
    ``ANTHROPIC_PROFILE``...); a profile it cannot load is an AuthenticationError here.
    """
    import anthropic

    config = provider.config
    key = config.api_key.get_secret_value() if config.api_key is not None else None
    try:
        return anthropic.AsyncAnthropic(
            api_key=key or None,
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=0,
            default_headers=dict(config.headers) or None,
        )
    except anthropic.AnthropicError as exc:
        translated = translate_error(exc, key)
        if translated is None:  # pragma: no cover - every AnthropicError is translated
            raise
        raise translated from exc
