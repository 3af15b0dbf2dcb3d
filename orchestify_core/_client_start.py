"""Creating a provider's first client through its plugin, with one clear error if it fails."""

from __future__ import annotations

from typing import Any

import pluggy

from ._dispatch import PluginHost
from .context import ProviderContext
from .errors import ConfigError, OrchestifyError
from .scrub import scrub

__all__ = ["start_client"]


def start_client(host: PluginHost, hooks: pluggy.HookRelay, context: ProviderContext) -> None:
    """Create the first client; any failure becomes one ConfigError naming the provider."""

    def create() -> Any:  # also for each further event loop's client
        client = hooks.orchestify_create_client(provider=context)
        for name in ("api_key", "auth_token"):  # what the SDKs may read from the env
            context.add_secret(getattr(client, name, None))
        return client

    try:
        client = context.start_clients(
            create, lambda ctx: hooks.orchestify_close_client(provider=ctx)
        )
    except OrchestifyError:
        raise
    except Exception as exc:
        detail = scrub(f"{type(exc).__name__}: {exc}", context.secrets)
        raise ConfigError(
            f"the {context.provider_type!r} plugin could not build its client: {detail}",
            path=f"providers.{context.provider_id}",
        ) from None
    if client is None:
        owner = host.owner(context.provider_type)
        who = owner.describe() if owner is not None else repr(context.provider_type)
        raise ConfigError(
            f"{who} did not create a client (orchestify_create_client returned None)",
            path=f"providers.{context.provider_id}",
        )
