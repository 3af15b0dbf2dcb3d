"""ProviderContext: what provider hooks receive, and the rule for event loops.

**Event loops.** SDK clients hold connection pools bound to the event loop that first used
them, so a client cannot serve two loops. The layer therefore keeps one client per event
loop: the plugin's ``orchestify_create_client`` runs once when the provider is built, that
client serves the first loop that makes a call, and every other loop (a later
``asyncio.run``, a worker thread with its own loop) gets a client of its own, created on its
first call. ``provider.client`` in a hook is always the current loop's. ``aclose()`` closes
the client of the loop it runs in, and the provider refuses calls from then on;
``release()`` closes it and lets the provider go on (a worker thread calls it before its
loop ends). The clients of loops that have closed without either are closed by the next
new loop that calls, through the plugin's close hook.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ProviderConfig
    from .ratelimit import RateLimiter

__all__ = ["ProviderContext"]

_UNSET: Any = object()
#: Closes the client a context holds (the plugin's close hook, bound to its hooks).
Closer = Callable[["ProviderContext"], Awaitable[None] | None]
_closing: set[asyncio.Task[None]] = set()


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
        "_closer",
        "_factory",
        "_first",
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
        self._closer: Closer | None = None
        self._first: Any = _UNSET if client is None else client
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

    def start_clients(self, factory: Callable[[], Any], closer: Closer | None = None) -> Any:
        """Create the first client with ``factory`` and keep it to make one per loop;
        ``closer`` closes the client of a context (the plugin's close hook)."""
        self._factory = factory
        self._closer = closer
        self._first = factory()
        return self._first

    async def release_loop_client(self) -> None:
        """Close the current loop's client; the next call on this loop makes a new one."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._by_loop.pop(loop, _UNSET)
        if client is not _UNSET:
            await self._close_each([client])

    def _retire_closed_loops(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close, from ``loop``, the clients of loops that have closed (under the lock).

        Left to the garbage collector, such a client would be collected inside some later
        running loop, and the SDK's ``__del__`` would schedule a close there that fails
        ("Event loop is closed", logged as a task exception never retrieved)."""
        dead = [old for old in self._by_loop if old.is_closed()]
        if not dead or self._closer is None:
            return
        clients = [self._by_loop.pop(old) for old in dead]
        task = loop.create_task(self._close_each(clients))
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    async def _close_each(self, clients: list[Any]) -> None:
        for client in clients:
            stand_in = ProviderContext(
                self.provider_id, self.provider_type, self.config, client, options=self.options
            )
            try:
                awaitable = self._closer(stand_in) if self._closer is not None else None
                if awaitable is not None:
                    await awaitable
            except Exception:  # the loop it belonged to is gone: nothing more to release
                continue

    @property
    def client(self) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._outside_a_loop()
        client = self._by_loop.get(loop, _UNSET)
        return self._client_for(loop) if client is _UNSET else client

    @client.setter
    def client(self, value: Any) -> None:
        self._first = value
        self._by_loop.clear()

    def _outside_a_loop(self) -> Any:
        """The client to show when no loop runs: the unclaimed one, else the latest, else a
        new unclaimed one (the next loop to call will use it)."""
        with self._lock:
            if self._first is _UNSET:
                clients = list(self._by_loop.values())
                if clients:
                    return clients[-1]
                if self._factory is None:
                    return None
                self._first = self._factory()
            return self._first

    def _client_for(self, loop: asyncio.AbstractEventLoop) -> Any:
        # Only the loop's entry holds its client: when a finished loop is collected, its
        # client goes with it, outside any running loop. (Held any longer, an SDK client
        # would be collected inside another loop, and its __del__ would schedule a close
        # there that fails with "Event loop is closed".)
        with self._lock:
            client = self._by_loop.get(loop, _UNSET)
            if client is _UNSET:
                if self._factory is None:  # a context built by hand: one client for all
                    return None if self._first is _UNSET else self._first
                if self._first is not _UNSET:
                    client, self._first = self._first, _UNSET  # the build-time client
                else:
                    self._retire_closed_loops(loop)
                    client = self._factory()
                self._by_loop[loop] = client
            return client
