"""The ``cache:`` section of the config (the response cache's store) and each provider's and
agent's ``cache:`` opt-in: their records and their checks.

::

    cache:
      backend: sqlite             # memory | sqlite | redis
      path: /var/cache/app/responses.sqlite3   # sqlite (default: $XDG_CACHE_HOME/orchestify/)
      url: ${REDIS_URL}           # redis
      max_bytes: 268435456        # memory and sqlite: least recently stored entries go first
      ttl: 86400                  # seconds an entry lives (null: until evicted)
      allow_temperature: false    # cache calls with temperature > 0 too
      shared_namespace: null      # a name: all entries in one namespace, whatever the key
    providers:
      claude:
        cache: true               # or {allow_temperature: true, namespace: team-a, ttl: 600}
    agents:
      writer: {provider: claude, cache: false}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._paths import Path
from .secret import Secret

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "CACHE_SECTIONS",
    "CacheBackend",
    "CacheConfig",
    "ProviderCacheConfig",
    "check_cache",
    "register_cache_hooks",
    "structure_cache_section",
]

#: Top-level sections this module adds (each holds one mapping).
CACHE_SECTIONS = ("cache",)
#: The response cache's stores.
CacheBackend = Literal["memory", "sqlite", "redis"]
_NAME = re.compile(r"[A-Za-z0-9_.:@/-]{1,64}")

Report = Callable[[Path, str], Any]


@attrs.frozen(repr=False)
class CacheConfig:
    """The ``cache:`` section: where answers are stored and how long.

    Attributes:
        backend: ``memory`` (this process, LRU), ``sqlite`` (one file, several processes),
            ``redis`` (shared by machines, one call for all of them).
        path: The SQLite file (default ``$XDG_CACHE_HOME/orchestify/cache.sqlite3``).
        url: The Redis URL (may hold a password: masked when shown).
        prefix: The prefix of every Redis key (``{prefix}:cache:...``).
        max_bytes: The most the stored answers take (memory and sqlite); past it the least
            recently used (memory) or oldest (sqlite) go first. Redis: its own ``maxmemory``.
        ttl: Seconds an entry lives; None: until evicted.
        allow_temperature: Cache calls whose temperature is above 0 (their answers vary).
        shared_namespace: Every provider's entries in this one namespace, whatever its API
            key (the default keeps each key's entries apart).
        lock_timeout: Seconds a call waits for an identical call already running (in this
            process, or with Redis in another) before calling the provider itself; default:
            the call's timeout.
        timeout: Seconds a store operation may take; past it the call goes to the provider.
    """

    backend: CacheBackend = "sqlite"
    path: str | None = None
    url: Secret | None = None
    prefix: str = "orchestify"
    max_bytes: int = 256 * 1024 * 1024
    ttl: float | None = 86400.0
    allow_temperature: bool = False
    shared_namespace: str | None = None
    lock_timeout: float | None = None
    timeout: float = 5.0

    def __repr__(self) -> str:
        return (
            f"CacheConfig(backend={self.backend!r}, path={self.path!r}, "
            f"url={'***' if self.url else None}, prefix={self.prefix!r}, "
            f"max_bytes={self.max_bytes!r}, ttl={self.ttl!r})"
        )


@attrs.frozen
class ProviderCacheConfig:
    """A provider's ``cache:``: ``true``/``false``, or a mapping of these settings.

    Attributes:
        enabled: Whether the provider's calls use the response cache by default.
        allow_temperature: Overrides the section's ``allow_temperature`` for this provider.
        namespace: Share entries under this name (with every provider naming it) instead of
            the namespace derived from the provider's API key.
        ttl: Overrides the section's ``ttl`` for this provider's entries.
    """

    enabled: bool = True
    allow_temperature: bool | None = None
    namespace: str | None = None
    ttl: float | None = None


def register_cache_hooks(conv: cattrs.Converter) -> None:
    """Teach the config's converter that a provider's ``cache:`` may be a boolean."""
    from cattrs.gen import make_dict_structure_fn

    structure_mapping = make_dict_structure_fn(ProviderCacheConfig, conv)

    def structure(value: Any, _: type) -> ProviderCacheConfig:
        if isinstance(value, bool):
            return ProviderCacheConfig(enabled=value)
        if not isinstance(value, Mapping):
            from ._config_convert import Invalid

            raise Invalid("expected true, false or a mapping of cache settings")
        return structure_mapping(value, ProviderCacheConfig)

    conv.register_structure_hook(ProviderCacheConfig, structure)


def structure_cache_section(tree: Mapping[str, Any], report: Report) -> CacheConfig | None:
    """The ``cache:`` section structured (every problem reported), or None without one."""
    from ._config_convert import all_errors, converter

    if tree.get("cache") is None:
        return None
    try:
        cache: CacheConfig = converter().structure(tree["cache"], CacheConfig)
    except Exception as exc:  # cattrs raises exception groups of many kinds
        for path, reason in all_errors(exc, CacheConfig):
            report(("cache", *path), reason)
        return None
    return cache


def check_cache(config: Any, report: Report, written: bool) -> None:
    """Report every problem of ``cache:`` and of the providers' and agents' ``cache:``.

    :param written: Whether the config has a ``cache:`` section (it may have failed to
        structure, and was reported then).
    """
    cache: CacheConfig | None = getattr(config, "cache", None)
    if cache is not None:
        _check_section(cache, report)
    for pid, provider in config.providers.providers.items():
        settings: ProviderCacheConfig | None = getattr(provider, "cache", None)
        if settings is None:
            continue
        base: Path = ("providers", pid, "cache")
        if not written and settings.enabled:
            report(base, "caching needs a top-level cache: section (its backend)")
        if settings.namespace is not None and not _NAME.fullmatch(settings.namespace):
            report((*base, "namespace"), "must be 1 to 64 letters, digits or _.:@/-")
        if settings.ttl is not None and not settings.ttl > 0:
            report((*base, "ttl"), "must be a positive number of seconds")
    for aid, agent in config.agents.agents.items():
        if getattr(agent, "cache", None) and not written:
            report(("agents", aid, "cache"), "caching needs a top-level cache: section")


def _check_section(cache: CacheConfig, report: Report) -> None:
    base: Path = ("cache",)
    if cache.backend == "redis" and cache.url is None:
        report((*base, "url"), "the redis backend needs a url (redis://host:port/db)")
    if cache.url is not None:
        scheme = cache.url.get_secret_value().partition("://")[0]
        if scheme not in ("redis", "rediss", "unix"):
            report((*base, "url"), "must be a redis://, rediss:// or unix:// URL")
    if cache.max_bytes < 1024:
        report((*base, "max_bytes"), "must be at least 1024 bytes")
    if cache.ttl is not None and not cache.ttl > 0:
        report((*base, "ttl"), "must be a positive number of seconds (or null: no expiry)")
    if cache.lock_timeout is not None and not cache.lock_timeout > 0:
        report((*base, "lock_timeout"), "must be a positive number of seconds")
    if not cache.timeout > 0:
        report((*base, "timeout"), "must be a positive number of seconds")
    if not _NAME.fullmatch(cache.prefix) or "}" in cache.prefix:
        report((*base, "prefix"), "must be 1 to 64 letters, digits or _.:@/-")
    if cache.shared_namespace is not None and not _NAME.fullmatch(cache.shared_namespace):
        report((*base, "shared_namespace"), "must be 1 to 64 letters, digits or _.:@/-")
