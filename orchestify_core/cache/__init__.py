"""The response cache: the same request gets the stored answer without a call.

Opt-in per provider (``cache: true``), per agent or view (``bind(cache=...)``) and per call
(``cache=False`` bypasses it), over one store per registry: memory (LRU bounded in bytes),
SQLite (the embedded persistent default) or Redis (shared by machines, with a time to live
and one call for the whole fleet). See docs/cache.md.
"""

from __future__ import annotations

from .._config_cache import CacheConfig, ProviderCacheConfig
from .base import CacheStore, CacheStoreError
from .codec import Entry
from .core import ProviderCache, ResponseCache, bind_cache, open_cache_store
from .key import key_namespace, request_key
from .memory import MemoryCacheStore

__all__ = [
    "CacheConfig",
    "CacheStore",
    "CacheStoreError",
    "Entry",
    "MemoryCacheStore",
    "ProviderCache",
    "ProviderCacheConfig",
    "ResponseCache",
    "bind_cache",
    "key_namespace",
    "open_cache_store",
    "request_key",
]
