"""Ledger stores: where usage records and budget state live (memory, SQLite, Redis, plugins).

:func:`open_store` makes the store a ``ledger:`` config names: a plugin's through the
``orchestify_ledger_store`` hook first, else one of the core's three. Nothing connects
until the store is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import AttemptRow, Charge, Debit, LedgerStore, Refusal, Spend, StoreError
from .memory import MemoryStore

if TYPE_CHECKING:
    import pluggy

    from .._config_ledger import LedgerConfig

__all__ = [
    "BUILTIN_BACKENDS",
    "AttemptRow",
    "Charge",
    "Debit",
    "LedgerStore",
    "MemoryStore",
    "Refusal",
    "Spend",
    "StoreError",
    "open_store",
]

BUILTIN_BACKENDS = ("memory", "sqlite", "redis")


def open_store(
    config: LedgerConfig, plugin_manager: pluggy.PluginManager | None = None
) -> LedgerStore:
    """The store for ``config``: a plugin's, else memory, SQLite or Redis.

    :raises ConfigError: the backend is unknown, or its client library is not installed.
    """
    from ..errors import ConfigError

    if plugin_manager is not None:
        store = plugin_manager.hook.orchestify_ledger_store(config=config)
        if store is not None:
            if not isinstance(store, LedgerStore):
                raise ConfigError(
                    f"the orchestify_ledger_store hook returned a {type(store).__name__}, "
                    "not a LedgerStore",
                    path="ledger.backend",
                )
            return store
    if config.backend == "memory":
        return MemoryStore()
    if config.backend == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(config.path, fsync=config.fsync, timeout=max(config.timeout, 1.0))
    if config.backend == "redis":
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:
            raise ConfigError(
                "the redis backend needs redis-py: pip install 'orchestify-core[redis]'",
                path="ledger.backend",
            ) from None
        from .redis import RedisStore

        assert config.url is not None  # the config check requires it
        return RedisStore(config.url.get_secret_value(), prefix=config.prefix,
                          timeout=config.timeout)  # fmt: skip
    raise ConfigError(
        f"unknown ledger backend {config.backend!r} (built in: {', '.join(BUILTIN_BACKENDS)}; "
        "another needs a plugin implementing orchestify_ledger_store)",
        path="ledger.backend",
    )
