"""Finding and loading provider plugins.

Plugins are entry points in the ``orchestify.providers`` group; the entry point's name is the
provider type. Listing them reads installed metadata only. Loading is by name and on demand:
building a registry imports exactly the plugins whose types its config uses, so a broken or
heavy plugin that the config does not use costs nothing and breaks nothing.

Set ``ORCHESTIFY_PLUGINS`` to a comma-separated list of provider types to allow only those
(an empty value allows none); unset, every installed plugin may load.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING

import attrs
import pluggy

from . import hookspecs
from .errors import DuplicatePluginError, PluginLoadError, UnknownProviderTypeError

if TYPE_CHECKING:
    import importlib.metadata

__all__ = [
    "ALLOWLIST_ENV",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "create_plugin_manager",
    "default_plugin_manager",
    "ensure_provider_type",
    "installed_plugins",
]

ENTRY_POINT_GROUP = "orchestify.providers"
ALLOWLIST_ENV = "ORCHESTIFY_PLUGINS"

logger = logging.getLogger(__name__)


@attrs.frozen
class PluginInfo:
    """An installed provider plugin, as its metadata describes it (nothing imported).

    Attributes:
        provider_type: The entry point's name, the ``type:`` users write.
        distribution: The distribution that ships it.
        version: That distribution's version.
        target: The entry point's target (``module`` or ``module:object``).
        allowed: False when ``ORCHESTIFY_PLUGINS`` excludes it.
    """

    provider_type: str
    distribution: str
    version: str
    target: str
    allowed: bool = True


def _allowlist() -> frozenset[str] | None:
    raw = os.environ.get(ALLOWLIST_ENV)
    if raw is None:
        return None
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    import importlib.metadata  # only when plugins are looked up: it is slow to import

    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def _dist_of(entry_point: importlib.metadata.EntryPoint) -> tuple[str, str]:
    dist = entry_point.dist
    if dist is None:
        return "<unknown distribution>", "?"
    return dist.name, dist.version


def installed_plugins() -> list[PluginInfo]:
    """Every installed provider plugin, sorted by type (duplicates included)."""
    allowed = _allowlist()
    infos = []
    for entry_point in _entry_points():
        name, version = _dist_of(entry_point)
        infos.append(
            PluginInfo(
                provider_type=entry_point.name,
                distribution=name,
                version=version,
                target=entry_point.value,
                allowed=allowed is None or entry_point.name in allowed,
            )
        )
    return sorted(infos, key=lambda info: (info.provider_type, info.distribution))


def create_plugin_manager() -> pluggy.PluginManager:
    """A new plugin manager with orchestify's hookspecs and the core's default hooks."""
    from . import _builtin

    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(_builtin, name="orchestify-core")
    return manager


_default_manager: pluggy.PluginManager | None = None
_default_lock = threading.Lock()
_load_lock = threading.RLock()


def default_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager that registries and providers use by default."""
    global _default_manager
    with _default_lock:
        if _default_manager is None:
            _default_manager = create_plugin_manager()
        return _default_manager


def _install_hint(provider_type: str) -> str:
    return f"install its plugin, e.g. 'pip install orchestify-{provider_type}'"


# Types whose entry point was loaded, per manager: one module may serve several types.
_loaded: weakref.WeakKeyDictionary[pluggy.PluginManager, set[str]] = weakref.WeakKeyDictionary()


def ensure_provider_type(manager: pluggy.PluginManager, provider_type: str) -> None:
    """Make sure the plugin of ``provider_type`` is registered in ``manager``.

    A plugin already registered under that name (by entry point or by hand, as tests and
    applications may do) is used as it is. Otherwise the entry point of that name is loaded.

    :raises UnknownProviderTypeError: no installed, allowed plugin has that type.
    :raises DuplicatePluginError: two distributions claim it.
    :raises PluginLoadError: its import failed or its hooks are invalid.
    """
    if manager.has_plugin(provider_type) or provider_type in _loaded.get(manager, ()):
        return
    with _load_lock:
        if manager.has_plugin(provider_type) or provider_type in _loaded.get(manager, ()):
            return
        allowed = _allowlist()
        entry_points = _entry_points()
        matches = [ep for ep in entry_points if ep.name == provider_type]
        if not matches or (allowed is not None and provider_type not in allowed):
            installed = {ep.name for ep in entry_points} | _registered_types(manager)
            hint = _install_hint(provider_type)
            if matches:
                current = os.environ.get(ALLOWLIST_ENV, "")
                hint = f"it is installed but not allowed by {ALLOWLIST_ENV}={current!r}"
            elif allowed is not None:
                hint += f" and allow it in {ALLOWLIST_ENV}"
            shown = installed if allowed is None else installed & allowed
            raise UnknownProviderTypeError(provider_type, shown, hint)
        distributions = {_dist_of(ep)[0] for ep in matches}
        if len(distributions) > 1:
            raise DuplicatePluginError(provider_type, distributions)
        _load(manager, matches[0])


def _registered_types(manager: pluggy.PluginManager) -> set[str]:
    names = {name for name, _ in manager.list_name_plugin()} | _loaded.get(manager, set())
    return names - {"orchestify-core"}


def _load(manager: pluggy.PluginManager, entry_point: importlib.metadata.EntryPoint) -> None:
    distribution, version = _dist_of(entry_point)
    provider_type = entry_point.name
    try:
        plugin = entry_point.load()
    except Exception as exc:
        raise PluginLoadError(
            provider_type, distribution, version, f"{type(exc).__name__}: {exc}"
        ) from exc
    if manager.is_registered(plugin):  # the same module serves another type too
        _loaded.setdefault(manager, set()).add(provider_type)
        return
    try:
        manager.register(plugin, name=provider_type)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginLoadError(provider_type, distribution, version, str(exc)) from exc
    try:
        _check_hooks(manager, plugin)
    except PluginLoadError:
        raise
    except pluggy.PluginValidationError as exc:
        manager.unregister(plugin)
        raise PluginLoadError(provider_type, distribution, version, str(exc)) from exc
    _loaded.setdefault(manager, set()).add(provider_type)
    logger.debug("loaded provider plugin %s from %s %s", provider_type, distribution, version)


def _check_hooks(manager: pluggy.PluginManager, plugin: object) -> None:
    """Refuse a plugin that declares hooks orchestify does not define (a typo, or an old API)."""
    for hook_caller in manager.get_hookcallers(plugin) or []:
        if hook_caller.spec is None:
            raise pluggy.PluginValidationError(
                plugin, f"unknown hook {hook_caller.name!r} (not an orchestify hook)"
            )
