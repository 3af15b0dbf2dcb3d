"""One warning per process for a model that is deprecated or near its end of life.

``LLMProvider.validate_model`` calls :func:`warn_if_retiring` the first time a provider
uses a model (its default model when it is built, then any model a call or an agent
names). The plugin's catalog hook (``orchestify_model_catalog``) says whether the model is
deprecated, when it stops working and what replaces it; a deprecated model, or one with an
end of life announced, is logged once at WARNING per process, provider type and model,
naming the provider, the model, the date and the replacement when the data has one.

``orchestify check`` flags the same models in a config through :func:`config_warnings`.

A plugin without a catalog, or a catalog that fails, changes nothing: the lifecycle is
advice, never a reason to refuse a model (the provider's own answer is the authority).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .catalog import CatalogEntry

if TYPE_CHECKING:
    from .config import OrchestifyConfig
    from .plugins import PluginHost

__all__ = [
    "catalog_entries",
    "config_warnings",
    "describe",
    "forget_warnings",
    "today",
    "warn_if_retiring",
]

logger = logging.getLogger("orchestify_core.lifecycle")

_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def today() -> date:
    """Today's date in UTC (end-of-life dates are calendar days)."""
    return datetime.now(tz=UTC).date()


def catalog_entries(
    hooks: Any, provider_type: str, models: Sequence[str]
) -> dict[str, CatalogEntry]:
    """The lifecycle of ``models`` from the type's plugin's catalog (by model id); empty
    when the plugin has no catalog or its catalog fails (logged at DEBUG)."""
    try:
        entries = hooks.orchestify_model_catalog(
            provider_type=provider_type, models=list(models), lifecycle_only=True
        )
    except Exception:
        logger.debug("the %s plugin's model catalog failed", provider_type, exc_info=True)
        return {}
    return {entry.model: entry for entry in entries or ()}


def _when(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 0:
        return f"in {days} days"
    return "yesterday" if days == -1 else f"{-days} days ago"


def describe(entry: CatalogEntry, on: date) -> str:
    """``is deprecated; its end of life is 2026-11-30 (tomorrow)``, with the source and the
    replacement when known."""
    days = entry.days_left(on)
    text = "is deprecated" if entry.deprecated else "is to be retired"
    if entry.end_of_life is not None and days is not None:
        verb = "was" if days < 0 else "is"
        text += f"; its end of life {verb} {entry.end_of_life.isoformat()} ({_when(days)})"
        if days < 0:
            text += ": the provider may refuse it"
    if entry.lifecycle_source:
        text += f", according to {entry.lifecycle_source}"
    if entry.replacement:
        text += f"; a current model: {entry.replacement!r}"
    return text


def warn_if_retiring(hooks: Any, provider_id: str, provider_type: str, model: str) -> None:
    """Log one WARNING per process for ``model`` of ``provider_type`` if it is retiring."""
    key = (provider_type, model)
    with _lock:
        if key in _warned:
            return
    entry = catalog_entries(hooks, provider_type, [model]).get(model)
    with _lock:
        if key in _warned:
            return
        _warned.add(key)  # looked up once per process, retiring or not
    if entry is None or not entry.retiring:
        return
    logger.warning("provider %r: model %r %s", provider_id, model, describe(entry, today()))


def forget_warnings() -> None:
    """Forget which models were warned about, so each warns once again (for tests, and
    for a long-running process that wants the reminder after reloading its config)."""
    with _lock:
        _warned.clear()


def _configured_models(config: OrchestifyConfig) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """``(provider type, model, provider id, key path)`` for each model the config names."""
    providers = config.providers.providers
    found: list[tuple[str, str, str, tuple[str, ...]]] = [
        (p.type, p.default_model, pid, ("providers", pid, "default_model"))
        for pid, p in providers.items()
    ]
    for agent_id, agent in config.agents.agents.items():
        provider = providers.get(agent.provider)
        if agent.model and provider is not None:
            found.append(
                (provider.type, agent.model, agent.provider, ("agents", agent_id, "model"))
            )
    return found


def config_warnings(
    config: OrchestifyConfig, host: PluginHost | None = None
) -> list[tuple[str, str]]:
    """``(located key path, what)`` for each configured model that is retiring, in config
    order. Loads each type's plugin module (never its SDK) into ``host``, or a new plugin
    manager."""
    from .plugins import create_plugin_manager, ensure_provider_type

    found = _configured_models(config)
    host = host or create_plugin_manager()
    for provider_type in {t for t, *_ in found}:
        ensure_provider_type(host, provider_type)
    by_type: dict[str, dict[str, CatalogEntry]] = {}
    for provider_type in dict.fromkeys(t for t, *_ in found):
        models = [m for t, m, *_ in found if t == provider_type]
        by_type[provider_type] = catalog_entries(
            host.hooks_for(provider_type), provider_type, models
        )
    on = today()
    warnings = []
    for provider_type, model, pid, path in found:
        entry = by_type[provider_type].get(model)
        if entry is not None and entry.retiring:
            where = _locate(config, pid, path)
            warnings.append((where, f"model {model!r} {describe(entry, on)}"))
            with _lock:  # flagged: the process's one warning about it
                _warned.add((provider_type, model))
    return warnings


def _locate(config: OrchestifyConfig, pid: str, path: tuple[str, ...]) -> str:
    """``file:line: key.path`` for a provider key, else just the key path."""
    provider = config.providers.providers.get(pid)
    origin = provider._origin if provider is not None else None
    dotted = ".".join(path)
    if origin is None or path[0] != "providers":
        return dotted
    file, line = origin.locate(path[2:])
    return f"{file}:{line}: {dotted}" if file and line else dotted
