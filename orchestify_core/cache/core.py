"""The response cache of a registry (one store, shared by its providers) and each provider's
view of it (enabled or not, its namespace, its temperature policy, its entries' lifetime).

Nothing here ever fails a call: a store that cannot be reached is logged (one WARNING per
outage) and the call goes to the provider, uncached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from .._config_cache import CacheConfig, ProviderCacheConfig
from ..models import CompletionRequest
from .base import CacheStore, CacheStoreError
from .codec import Entry, decode
from .flight import Flights, Outcome, new_token, wait_for_lock
from .key import key_namespace, known_namespace, request_key

if TYPE_CHECKING:
    from ..config import OrchestifyConfig
    from ..provider import LLMProvider

__all__ = ["Lead", "ProviderCache", "ResponseCache", "bind_cache", "open_cache_store", "wire_cache"]

logger = logging.getLogger("orchestify_core.cache")


def open_cache_store(config: CacheConfig) -> CacheStore:
    """The store a ``cache:`` section names (nothing connects before first use)."""
    if config.backend == "memory":
        from .memory import MemoryCacheStore

        return MemoryCacheStore(config.max_bytes)
    if config.backend == "sqlite":
        from .sqlite import SQLiteCacheStore

        return SQLiteCacheStore(config.path, max_bytes=config.max_bytes, timeout=config.timeout)
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        from ..errors import ConfigError

        raise ConfigError(
            "the redis cache needs redis-py: pip install 'orchestify-core[redis]'",
            path="cache.backend",
        ) from None
    from .redis import RedisCacheStore

    assert config.url is not None  # the config check requires it
    return RedisCacheStore(config.url.get_secret_value(), prefix=config.prefix,
                           timeout=config.timeout)  # fmt: skip


class ResponseCache:
    """One store of answers, with the single flight of the calls that fill it."""

    def __init__(self, store: CacheStore, config: CacheConfig | None = None) -> None:
        self.store = store
        self.config = config if config is not None else CacheConfig()
        self.flights = Flights()
        self._down = False

    @classmethod
    def from_config(cls, config: CacheConfig) -> ResponseCache:
        return cls(open_cache_store(config), config)

    def __repr__(self) -> str:
        return f"<ResponseCache {self.store.describe()}>"

    def for_provider(self, settings: ProviderCacheConfig | None) -> ProviderCache:
        """A provider's view: its ``cache:`` settings over the section's."""
        settings = settings or ProviderCacheConfig(enabled=False)
        config = self.config
        allow = settings.allow_temperature
        return ProviderCache(
            self,
            enabled=settings.enabled,
            allow_temperature=config.allow_temperature if allow is None else allow,
            namespace=settings.namespace or config.shared_namespace,
            ttl=config.ttl if settings.ttl is None else settings.ttl,
        )

    # ------------------------------------------------------------------ store access

    def _unavailable(self, exc: CacheStoreError) -> None:
        if not self._down:
            logger.warning("response cache unreachable; calls go to the provider: %s", exc)
        self._down = True

    def _back(self) -> None:
        if self._down:
            self._down = False
            logger.warning("response cache %s answers again", self.store.describe())

    async def namespace(self, api_key: str) -> str | None:
        """The namespace of an API key (None: the store is down)."""
        try:
            salt = await self.store.salt()
        except CacheStoreError as exc:
            self._unavailable(exc)
            return None
        known = known_namespace(api_key, salt)
        if known is not None:
            return known
        return await asyncio.to_thread(key_namespace, api_key, salt)  # not on the loop

    async def get(self, key: str) -> Entry | None:
        try:
            value = await self.store.get(key)
        except CacheStoreError as exc:
            self._unavailable(exc)
            return None
        self._back()
        return None if value is None else decode(value)

    async def put(self, key: str, value: bytes, ttl: float | None, lead: Lead | None) -> None:
        """Store an answer; the lead's lock in the store goes with it (one round trip)."""
        token = lead.token if lead is not None else None
        try:
            await self.store.put(key, value, ttl, token)
        except CacheStoreError as exc:
            self._unavailable(exc)
            return
        if lead is not None:
            lead.token = None  # released with the write

    async def unlock(self, key: str, token: str | None) -> None:
        if token is None:
            return
        try:
            await self.store.unlock(key, token)
        except CacheStoreError as exc:  # the lock lapses by itself
            self._unavailable(exc)

    # ------------------------------------------------------------------ single flight

    async def find_or_lead(self, key: str, wait: float) -> tuple[Entry | None, Lead | None]:
        """The stored answer; else the lead of the call that makes it (the caller must
        :meth:`Lead.finish` it); else neither: call the provider without leading.

        A shared store is read by the leader's lock-or-get (one round trip for a hit, and
        for a miss the lock with it)."""
        deadline = time.monotonic() + wait
        while True:
            if not self.store.shared:
                entry = await self.get(key)
                if entry is not None:
                    return entry, None
            waiting = self.flights.join(key)
            if waiting is None:
                return await self._lead(key, deadline, wait)
            try:
                result = await asyncio.wait_for(
                    asyncio.shield(waiting), max(deadline - time.monotonic(), 0)
                )
            except TimeoutError:
                return None, None
            if isinstance(result, Entry):
                return result, None
            if result is not Outcome.CANCELLED:
                return None, None

    async def _lead(
        self, key: str, deadline: float, wait: float
    ) -> tuple[Entry | None, Lead | None]:
        lead = Lead(self, key)
        if not self.store.shared:
            return None, lead
        token = new_token()
        try:
            got = await wait_for_lock(self.store, key, token, deadline, wait)
        except CacheStoreError as exc:
            self._unavailable(exc)
            return None, lead
        except BaseException:
            self.flights.finish(key, Outcome.CANCELLED)
            raise
        self._back()
        if isinstance(got, bytes):
            entry = decode(got)
            if entry is not None:
                self.flights.finish(key, entry)
                return entry, None
            return None, lead  # an entry this version cannot read: this call replaces it
        lead.token = token if got else None
        return None, lead

    async def aclose(self) -> None:
        await self.store.aclose()


class Lead:
    """The lead of a call in this process (and, with a shared store, in the fleet)."""

    __slots__ = ("cache", "key", "token")

    def __init__(self, cache: ResponseCache, key: str) -> None:
        self.cache = cache
        self.key = key
        self.token: str | None = None

    async def finish(self, result: Entry | Outcome) -> None:
        """Hand the answer (or how the call ended) to the waiters; drop the store's lock."""
        self.cache.flights.finish(self.key, result)
        await self.cache.unlock(self.key, self.token)


@attrs.frozen
class ProviderCache:
    """A provider's (or a bound view's) use of the response cache."""

    cache: ResponseCache
    enabled: bool
    allow_temperature: bool = False
    namespace: str | None = None
    ttl: float | None = None

    def admits(self, request: CompletionRequest) -> bool:
        """Whether the request's answer may come from, and go to, the cache."""
        temperature = request.temperature
        return not temperature or self.allow_temperature

    async def key(self, provider: LLMProvider, request: CompletionRequest) -> str | None:
        """The request's key in the provider's namespace (None: the store is down)."""
        namespace = self.namespace
        if namespace is None:
            api_key = provider.config.api_key
            derived = await self.cache.namespace(api_key.get_secret_value() if api_key else "")
            if derived is None:
                return None
            namespace = derived
        else:
            namespace = "n:" + namespace
        config = provider.config
        return request_key(namespace, config.type, config.base_url, request)


def bind_cache(provider: LLMProvider, enabled: bool) -> ProviderCache | None:
    """The cache of a view of ``provider`` (``bind(cache=...)``).

    :raises RequestValidationError: ``cache=True`` without a ``cache:`` section.
    """
    current = provider._cache
    if current is None:
        if enabled:
            from ..errors import RequestValidationError

            raise RequestValidationError(
                f"cache=True, but provider {provider.provider_id!r} has no response cache "
                "(add a top-level cache: section to the config)"
            )
        return None
    return attrs.evolve(current, enabled=enabled)


def wire_cache(
    config: OrchestifyConfig, providers: Mapping[str, LLMProvider]
) -> ResponseCache | None:
    """Give every provider of a registry its view of the config's response cache."""
    if config.cache is None:
        return None
    cache = ResponseCache.from_config(config.cache)
    for provider in providers.values():
        provider.set_cache(cache.for_provider(provider.config.cache))
    return cache
