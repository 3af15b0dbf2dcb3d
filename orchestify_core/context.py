"""ProviderContext: what provider hooks receive, and the rule for event loops.

**Event loops.** SDK clients hold connection pools bound to the event loop that first used
them, so a client cannot serve two loops. The layer therefore keeps one client per event
loop: the plugin's ``orchestify_create_client`` runs once when the provider is built, that
client serves the first loop that makes a call, and every other loop (a later
``asyncio.run``, a worker thread with its own loop) gets a client of its own, created on its
first call. ``provider.client`` in a hook is always the current loop's. ``aclose()`` closes
the client of the loop it runs in, and the provider refuses calls from then on; clients
of loops that have since closed are dropped (their sockets died with their loop).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ProviderConfig
    from .ratelimit import RateLimiter

__all__ = ["ProviderContext"]

_UNSET: Any = object()


class ProviderContext:
    """What provider hooks receive: which provider is asking, its config, options and client.

    Attributes:
        provider_id: The registry id (``claude_main``).
        provider_type: The plugin type (``anthropic``).
        config: The provider's configuration (its ``api_key`` is a Secret).
        options: The plugin's typed ``options:`` (an instance of the class its
            ``orchestify_options_class`` hook names), or the raw mapping when it names none.
        client: The current event loop's client: what ``orchestify_create_client``
            returned (see the module docstring for loops).
        closed: True once ``aclose()`` was called: calls are refused.
        rate_limiter: The provider's :class:`~orchestify_core.ratelimit.RateLimiter`, or
            None when it has no ``rate_limits:``.
    """

    __slots__ = (
        "__weakref__",
        "_by_loop",
        "_factory",
        "_first",
        "_first_claimed",
        "_last",
        "_lock",
        "_secrets",
        "closed",
        "config",
        "options",
        "provider_id",
        "provider_type",
        "rate_limiter",
    )

    def __init__(
        self,
        provider_id: str,
        provider_type: str,
        config: ProviderConfig,
        client: Any = None,
        *,
        options: Any = None,
    ) -> None:
        self.provider_id = provider_id
        self.provider_type = provider_type
        self.config = config
        self.options: Any = config.options if options is None else options
        self._factory: Callable[[], Any] | None = None
        self._first: Any = _UNSET if client is None else client
        self._first_claimed = False
        self._last: tuple[asyncio.AbstractEventLoop | None, Any] = (None, _UNSET)
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self.closed = False
        self.rate_limiter: RateLimiter | None = None
        key = config.api_key
        if key is not None:
            self.add_secret(key.get_secret_value())

    def __repr__(self) -> str:
        return f"ProviderContext(provider_id={self.provider_id!r}, type={self.provider_type!r})"

    # ------------------------------------------------------------------ secrets

    def add_secret(self, value: object) -> None:
        """Name a value that must never appear in an error, log line or repr (a key the
        SDK took from the environment, a token a plugin fetched). The core scrubs every
        error of this provider of all of them."""
        if isinstance(value, str) and len(value) >= 4:
            self._secrets.add(value)

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    # ------------------------------------------------------------------ rate limits

    def observe_rate_limit_headers(self, headers: Any) -> None:
        """Hand the core a response's HTTP headers, to learn the provider's rate limits.

        A plugin calls it with every response's headers (``response.headers`` of the SDK's
        raw response: any mapping or sequence of pairs). The core reads the
        ``anthropic-ratelimit-*`` and ``x-ratelimit-*`` ones and ignores the rest; without
        ``rate_limits:`` in the provider's config it returns at once. Errors need no call:
        the core reads a 429's headers from the SDK error in its ``__cause__``.
        """
        limiter = self.rate_limiter
        if limiter is not None:
            limiter.observe_headers(headers)

    # ------------------------------------------------------------------ clients

    def start_clients(self, factory: Callable[[], Any]) -> Any:
        """Create the first client with ``factory`` and keep it to make one per loop."""
        self._factory = factory
        self._first = factory()
        return self._first

    @property
    def client(self) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None if self._first is _UNSET else self._first
        last_loop, last_client = self._last
        if loop is last_loop:
            return last_client
        return self._client_for(loop)

    @client.setter
    def client(self, value: Any) -> None:
        self._first = value
        self._first_claimed = False
        self._last = (None, _UNSET)
        self._by_loop.clear()

    def _client_for(self, loop: asyncio.AbstractEventLoop) -> Any:
        with self._lock:
            client = self._by_loop.get(loop, _UNSET)
            if client is _UNSET:
                if self._first is not _UNSET and not self._first_claimed:
                    client = self._first  # the client made at build time serves this loop
                    self._first_claimed = True
                elif self._factory is not None:
                    client = self._factory()
                else:  # a context built by hand, without a factory: one client for all
                    client = None if self._first is _UNSET else self._first
                self._by_loop[loop] = client
            self._last = (loop, client)
            return client
