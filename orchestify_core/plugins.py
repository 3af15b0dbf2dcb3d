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
from typing import TYPE_CHECKING

import attrs
import pluggy

from ._dispatch import PluginHost
from .errors import DuplicatePluginError, PluginError, PluginLoadError, UnknownProviderTypeError

if TYPE_CHECKING:
    import importlib.metadata

__all__ = [
    "ALLOWLIST_ENV",
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "as_host",
    "create_plugin_manager",
    "default_plugin_manager",
    "ensure_provider_type",
    "install_hint",
    "installed_plugins",
    "unknown_type_problem",
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


def create_plugin_manager() -> PluginHost:
    """A new plugin manager with orchestify's hookspecs and the core's default hooks."""
    from . import _builtin

    manager = PluginHost()
    manager.register(_builtin, name="orchestify-core")
    return manager


_default_manager: PluginHost | None = None
_default_lock = threading.Lock()
_load_lock = threading.RLock()


def default_plugin_manager() -> PluginHost:
    """The process-wide plugin manager that registries and providers use by default."""
    global _default_manager
    with _default_lock:
        if _default_manager is None:
            _default_manager = create_plugin_manager()
        return _default_manager


#: The distributions of the first-party plugins, for install hints.
FIRST_PARTY = {
    "anthropic": "orchestify-claude",
    "openai": "orchestify-openai",
    "litellm": "orchestify-litellm",
}


def _install_hint(provider_type: str) -> str:
    distribution = FIRST_PARTY.get(provider_type)
    if distribution is None:
        return f"install the plugin that provides type {provider_type!r}"
    return f"install its plugin: pip install {distribution}"


def install_hint(provider_type: str) -> str:
    """How to install the plugin of ``provider_type``: the distribution's name, and for a
    first-party plugin also its folder in a clone of the repository."""
    distribution = FIRST_PARTY.get(provider_type)
    if distribution is None:
        return _install_hint(provider_type)
    folder = distribution.replace("orchestify-", "orchestify_")
    return (
        f"install its plugin: pip install {distribution} "
        f"(from a clone of orchestify: pip install -e plugins/{folder})"
    )


def unknown_type_problem(provider_type: str) -> str | None:
    """What is wrong with ``type: provider_type`` given the installed plugins, or None.

    Reads entry-point metadata only (nothing is imported), so a config can be checked
    without loading any plugin.
    """
    infos = installed_plugins()
    installed = {info.provider_type for info in infos}
    allowed = {info.provider_type for info in infos if info.allowed}
    if provider_type in allowed:
        return None
    if provider_type in installed:
        current = os.environ.get(ALLOWLIST_ENV, "")
        hint = f"it is installed but not allowed by {ALLOWLIST_ENV}={current!r}"
    else:
        hint = install_hint(provider_type)
    return str(UnknownProviderTypeError(provider_type, allowed, hint))


def as_host(manager: pluggy.PluginManager) -> PluginHost:
    """The manager as a :class:`PluginHost` (providers need per-type dispatch)."""
    if not isinstance(manager, PluginHost):
        raise TypeError(
            "orchestify needs its own plugin manager: build it with "
            "orchestify_core.plugins.create_plugin_manager()"
        )
    return manager


def ensure_provider_type(manager: pluggy.PluginManager, provider_type: str) -> None:
    """Make sure the plugin that owns ``provider_type`` is registered in ``manager``.

    A plugin an application registered under that name by hand is used as it is (and
    becomes the type's owner). Otherwise the entry point of that name is loaded.

    :raises UnknownProviderTypeError: no installed, allowed plugin has that type.
    :raises DuplicatePluginError: two distributions claim it.
    :raises PluginLoadError: its import failed or its hooks break the contract.
    """
    host = as_host(manager)
    if host.owner(provider_type) is not None:
        return
    with _load_lock:
        if host.owner(provider_type) is not None or host.promote_to_owner(provider_type):
            return
        allowed = _allowlist()
        entry_points = _entry_points()
        matches = [ep for ep in entry_points if ep.name == provider_type]
        if not matches or (allowed is not None and provider_type not in allowed):
            installed = {ep.name for ep in entry_points} | host.owned_types()
            hint = install_hint(provider_type)
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
        _load(host, matches[0])


def _load(host: PluginHost, entry_point: importlib.metadata.EntryPoint) -> None:
    distribution, version = _dist_of(entry_point)
    provider_type = entry_point.name
    try:
        plugin = entry_point.load()
    except Exception as exc:
        raise PluginLoadError(
            provider_type, distribution, version, f"{type(exc).__name__}: {exc}"
        ) from exc
    try:
        host.register_provider_plugin(
            provider_type, plugin, distribution=distribution, version=version
        )
    except PluginLoadError:
        raise
    except (pluggy.PluginValidationError, ValueError, PluginError) as exc:
        raise PluginLoadError(provider_type, distribution, version, str(exc)) from exc
    logger.debug("loaded provider plugin %s from %s %s", provider_type, distribution, version)
