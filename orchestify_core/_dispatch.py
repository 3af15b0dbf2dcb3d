"""Hook dispatch by provider type.

A hook about a provider reaches the plugin that owns the provider's type and the
cross-cutting plugins (wrappers, observers, ``tryfirst`` overrides), and no other type's
plugin: no plugin checks ``provider.provider_type``.

pluggy stays the mechanism. :class:`PluginHost` is the one plugin manager that knows every
plugin. For each provider type it keeps a second, private plugin manager holding the core's
defaults, the type's owner and the cross-cutting plugins; a provider calls that manager's
hooks directly, so dispatch costs nothing per call beyond pluggy's own call (and with
fewer implementations to run than one shared manager would have).

A plugin is an *owner* when it is registered for a type: loaded from the entry point of
that name, or registered with :meth:`PluginHost.register_provider_plugin`. A plugin
registered with plain :meth:`PluginHost.register` is cross-cutting and reaches every type.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .errors import PluginError, PluginLoadError

__all__ = ["ASYNC_RESULT_HOOKS", "Owner", "PluginHost"]

#: Hooks that return an awaitable or an async iterator: their implementations must be plain
#: functions (an ``async def`` would hand pluggy a coroutine where it expects a result or
#: None, so firstresult chains and wrappers could not work).
ASYNC_RESULT_HOOKS = frozenset(
    {
        "orchestify_complete",
        "orchestify_stream",
        "orchestify_close_client",
        "orchestify_health_check",
        "orchestify_count_tokens",
        "orchestify_batch_submit",
        "orchestify_batch_status",
        "orchestify_batch_results",
        "orchestify_batch_cancel",
    }
)


@attrs.frozen
class Owner:
    """The plugin that owns a provider type, and where it comes from (for error messages)."""

    plugin: object
    name: str
    distribution: str = "<registered by hand>"
    version: str = ""

    def describe(self) -> str:
        """``plugin 'anthropic' (orchestify-claude 0.1.0)``."""
        origin = f"{self.distribution} {self.version}".strip()
        return f"plugin {self.name!r} ({origin})"


class PluginHost(pluggy.PluginManager):
    """orchestify's plugin manager: every plugin, and per provider type the hooks to call."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self._owners: dict[str, Owner] = {}
        self._typed: dict[str, pluggy.PluginManager] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ registration

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        """Register a cross-cutting plugin: its hooks reach providers of every type."""
        with self._lock:
            registered = super().register(plugin, name)
            if registered is None:
                return None
            problem = hook_problem(self, plugin)
            if problem is not None:
                super().unregister(plugin)
                raise PluginError(f"plugin {registered!r}: {problem}")
            if not self._is_owner(plugin):
                for typed in self._typed.values():
                    typed.register(plugin, registered)
            return registered

    def register_provider_plugin(
        self,
        provider_type: str,
        plugin: object,
        *,
        distribution: str = "<registered by hand>",
        version: str = "",
    ) -> None:
        """Register ``plugin`` as the owner of ``provider_type``.

        One object may own several types. Raises :class:`PluginError` when its hooks break
        the contract (see :func:`check_hooks`).
        """
        with self._lock:
            if provider_type in self._owners:
                raise PluginError(f"provider type {provider_type!r} already has a plugin")
            if not self.is_registered(plugin):
                super().register(plugin, provider_type)
                problem = hook_problem(self, plugin)
                if problem is not None:
                    super().unregister(plugin)
                    raise PluginLoadError(provider_type, distribution, version, problem)
            self._owners[provider_type] = Owner(plugin, provider_type, distribution, version)
            for other_type, typed in self._typed.items():  # it was cross-cutting until now
                if other_type != provider_type and typed.is_registered(plugin):
                    typed.unregister(plugin)

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any | None:
        with self._lock:
            removed = super().unregister(plugin, name)
            for typed in self._typed.values():
                if typed.is_registered(removed):
                    typed.unregister(removed)
            self._owners = {t: o for t, o in self._owners.items() if o.plugin is not removed}
            return removed

    def promote_to_owner(self, provider_type: str) -> bool:
        """Make the plugin registered under the name ``provider_type`` that type's owner.

        For plugins an application registered by hand with ``register(plugin,
        name=TYPE)``; returns False when there is none.
        """
        with self._lock:
            if provider_type in self._owners:
                return True
            plugin = self.get_plugin(provider_type)
            if plugin is None:
                return False
            self._owners[provider_type] = Owner(plugin, provider_type)
            for other_type, typed in self._typed.items():
                if other_type != provider_type and typed.is_registered(plugin):
                    typed.unregister(plugin)
            return True

    # ------------------------------------------------------------------ lookup

    def owner(self, provider_type: str) -> Owner | None:
        return self._owners.get(provider_type)

    def owned_types(self) -> set[str]:
        return set(self._owners)

    def hooks_for(self, provider_type: str) -> pluggy.HookRelay:
        """The hooks a provider of ``provider_type`` calls: its owner's and the
        cross-cutting plugins', never another type's."""
        typed = self._typed.get(provider_type)
        if typed is None:
            with self._lock:
                typed = self._typed.get(provider_type)
                if typed is None:
                    typed = self._build_typed(provider_type)
                    self._typed[provider_type] = typed
        return typed.hook

    def _build_typed(self, provider_type: str) -> pluggy.PluginManager:
        typed = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        typed.add_hookspecs(hookspecs)
        own = self._owners.get(provider_type)
        for name, plugin in self.list_name_plugin():
            if plugin is None:
                continue
            if self._is_owner(plugin) and (own is None or plugin is not own.plugin):
                continue
            typed.register(plugin, name)
        return typed

    def _is_owner(self, plugin: object) -> bool:
        return any(owner.plugin is plugin for owner in self._owners.values())


def hook_problem(manager: pluggy.PluginManager, plugin: object) -> str | None:
    """What makes a registered plugin's hooks break the contract, or None.

    - a hook orchestify does not define (a typo, or an old API);
    - an ``async def`` (or async generator) for a hook that must *return* an awaitable or
      an async iterator.
    """
    for caller in manager.get_hookcallers(plugin) or []:
        if caller.spec is None:
            return f"unknown hook {caller.name!r} (not an orchestify hook)"
        if caller.name not in ASYNC_RESULT_HOOKS:
            continue
        for impl in caller.get_hookimpls():
            function = impl.function
            if impl.plugin is not plugin:
                continue
            if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
                kind = "an async generator" if inspect.isasyncgenfunction(function) else "async"
                return (
                    f"hook {caller.name!r} is {kind}; write it as a plain function that "
                    "returns the coroutine or async iterator (see docs/plugin-contract.md)"
                )
    return None
