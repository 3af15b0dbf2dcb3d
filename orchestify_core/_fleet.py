"""Wiring what a fleet of workers shares: rate limiters, shared breakers, and the
cross-cutting plugins a config enables.

A provider with ``rate_limits:`` gets a local limiter when it is built
(:func:`local_gate`); a registry built from a whole config then moves the limiters marked
``shared`` and the breakers marked ``shared`` into the fleet store (:func:`wire_fleet`),
and registers the plugins of the ``plugins:`` section (:func:`enable_plugins`). Nothing
here is imported by a config that uses none of it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._admission import Gate
from .breaker import CircuitBreaker
from .errors import ConfigError, PluginLoadError

if TYPE_CHECKING:
    from ._dispatch import PluginHost
    from .config import OrchestifyConfig
    from .provider import LLMProvider
    from .store.fleet import RedisFleetStore

__all__ = ["PLUGIN_GROUP", "enable_plugins", "local_gate", "wire_fleet"]

#: The entry-point group of cross-cutting plugins (tracing, metrics): enabled by name in
#: the config's ``plugins:`` section, never loaded otherwise.
PLUGIN_GROUP = "orchestify.plugins"

logger = logging.getLogger(__name__)


def local_gate(provider: LLMProvider) -> Gate | None:
    """The gate of a provider just built: a local rate limiter when it has ``rate_limits:``."""
    limits = provider.config.rate_limits
    if limits is None:
        return None
    from .ratelimit import RateLimiter

    limiter = RateLimiter(provider.provider_id, limits)
    provider._context.rate_limiter = limiter
    return Gate(limiter=limiter)


def wire_fleet(
    config: OrchestifyConfig, providers: Mapping[str, LLMProvider]
) -> RedisFleetStore | None:
    """Move shared limiters and breakers into the fleet store; the store, or None."""
    from ._config_fleet import fleet_url

    shared = [p for p in providers.values() if _wants_store(p)]
    where = fleet_url(config)
    if not shared or where is None:
        return None
    store = _open_store(*where)
    for provider in shared:
        _share(provider, store)
    return store


def _wants_store(provider: LLMProvider) -> bool:
    limits = provider.config.rate_limits
    breaker = provider.config.circuit_breaker
    return bool((limits is not None and limits.shared) or (breaker is not None and breaker.shared))


def _open_store(url: str, prefix: str, timeout: float) -> RedisFleetStore:
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise ConfigError(
            "shared rate limits and breakers need redis-py: pip install 'orchestify-core[redis]'",
            path="fleet.url",
        ) from None
    from .store.fleet import RedisFleetStore

    return RedisFleetStore(url, prefix=prefix, timeout=timeout)


def _share(provider: LLMProvider, store: RedisFleetStore) -> None:
    """Give ``provider`` a shared limiter and/or breaker in ``store``."""
    config = provider.config
    gate = provider._gate or Gate()
    limits = config.rate_limits
    if limits is not None and limits.shared:
        from .ratelimit import RateLimiter

        gate.limiter = RateLimiter(provider.provider_id, limits, store)
        provider._context.rate_limiter = gate.limiter
    breaker = config.circuit_breaker
    if breaker is not None and breaker.shared:
        if type(provider._breaker) is CircuitBreaker:  # a plugin's own breaker is kept
            from ._breaker_shared import SharedCircuitBreaker

            shared = SharedCircuitBreaker(
                provider.provider_id, breaker, store, lease=config.timeout + 30.0
            )
            provider._breaker = shared
            gate.breaker = shared
        else:
            logger.warning("provider %s: its circuit breaker comes from a plugin; "
                           "circuit_breaker.shared is ignored", provider.provider_id)  # fmt: skip
    provider._gate = gate


def enable_plugins(plugins: Mapping[str, Mapping[str, Any]], host: PluginHost) -> None:
    """Register the cross-cutting plugins the config's ``plugins:`` section names.

    Each name is an entry point of the group ``orchestify.plugins``; its target is called
    with the plugin's settings (a mapping) and returns the object to register, or is the
    object itself when it is not callable. A plugin already registered under that name
    (by an earlier registry, or by hand) is kept as it is.

    :raises ConfigError: no installed plugin has that name.
    :raises PluginLoadError: its import or its factory failed.
    """
    if not plugins:
        return
    import importlib.metadata

    found = {ep.name: ep for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP)}
    for name, settings in plugins.items():
        if host.has_plugin(name):
            continue
        entry_point = found.get(name)
        if entry_point is None:
            installed = ", ".join(sorted(found)) or "none"
            raise ConfigError(
                f"no installed plugin {name!r} in the entry-point group {PLUGIN_GROUP} "
                f"(installed: {installed}); pip install orchestify-{name}",
                path=f"plugins.{name}",
            )
        dist = entry_point.dist
        distribution, version = (dist.name, dist.version) if dist is not None else ("?", "?")
        try:
            target = entry_point.load()
            plugin = target(dict(settings)) if callable(target) else target
        except ConfigError:
            raise
        except Exception as exc:
            raise PluginLoadError(name, distribution, version,
                                  f"{type(exc).__name__}: {exc}") from exc  # fmt: skip
        host.register(plugin, name=name)
        logger.debug("enabled plugin %s from %s %s", name, distribution, version)
