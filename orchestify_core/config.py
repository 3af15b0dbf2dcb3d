"""Configuration: providers, agents and their settings, loaded from YAML.

``load_config(path)`` reads one YAML file or every ``*.yaml``/``*.yml`` file of a directory
(in name order), substitutes ``${VAR}``, ``${VAR:-default}`` and ``$$`` in string values,
and structures the result into attrs records with a private cattrs converter that forbids
unknown keys. Every error is one :class:`~orchestify_core.errors.ConfigError` naming the file,
the line and the key path, and nothing is half-built.

Substitution happens per scalar, after parsing: a variable's value is always a plain string,
never YAML, and is never substituted again.

Hostile files fail fast: size, node, depth and alias/merge-expansion budgets (see
:mod:`orchestify_core._yaml`), YAML 1.2 scalars only, bounded integers and prices. Secrets
never show: ``api_key`` is a :class:`~orchestify_core.secret.Secret`, and header and option
values that look like credentials are masked in ``repr`` and :func:`dump_config`.

A plugin parses its ``options:`` with :func:`structure_options`, and reports a problem with
any of its provider's keys through :func:`options_error` or :func:`provider_error`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any, TypeVar

import attrs

from ._config_check import Fail, check, warn_insecure
from ._config_convert import converter, first_error
from ._config_ledger import SECTIONS as LEDGER_SECTIONS
from ._config_ledger import SINGLE_SECTIONS, check_ledger, merge_single_section
from ._config_model import (
    AgentConfig,
    AgentsConfig,
    CircuitBreakerConfig,
    OrchestifyConfig,
    PriceConfig,
    ProviderConfig,
    ProviderOrigin,
    ProvidersConfig,
    RetryConfig,
)
from ._config_subst import substitute as substitute  # importable from here, as before
from ._config_subst import substitute_tree
from ._paths import Location, Path, format_path
from .errors import ConfigError

__all__ = [
    "AgentConfig",
    "AgentsConfig",
    "CircuitBreakerConfig",
    "OrchestifyConfig",
    "PriceConfig",
    "ProviderConfig",
    "ProvidersConfig",
    "RetryConfig",
    "dump_config",
    "load_config",
    "loads_config",
    "options_error",
    "parse_config",
    "provider_error",
    "structure_options",
]

T = TypeVar("T")


def _lookup(locations: Mapping[Path, Location], path: Path) -> Location | None:
    while True:
        if path in locations:
            return locations[path]
        if not path:
            return None
        path = path[:-1]


def _merge(
    documents: list[tuple[Any, dict[Path, Location]]],
    locations: dict[Path, Location],
    fail: Fail,
) -> dict[str, dict[str, Any]]:
    """The documents' sections merged; a provider or agent defined twice is an error."""
    merged: dict[str, dict[str, Any]] = {}
    for data, doc_locations in documents:
        if data is None:
            continue
        if not isinstance(data, dict):
            locations.update(doc_locations)
            raise fail((), "the top level must be a mapping with 'providers' and/or 'agents'")
        for section, entries in data.items():
            if (section,) in doc_locations:
                locations[(section,)] = doc_locations[(section,)]
            if section not in ("providers", "agents", *LEDGER_SECTIONS):
                raise fail((section,), "unknown key (expected 'providers' or 'agents')")
            if entries is None:
                continue
            if section in SINGLE_SECTIONS:
                merge_single_section(section, entries, merged, doc_locations, locations, fail)
                continue
            if not isinstance(entries, dict):
                raise fail((section,), f"expected a mapping of {section}")
            _merge_section(section, entries, merged.setdefault(section, {}), doc_locations,
                           locations, fail)  # fmt: skip
    return merged


def _merge_section(
    section: str,
    entries: dict[str, Any],
    target: dict[str, Any],
    doc_locations: dict[Path, Location],
    locations: dict[Path, Location],
    fail: Fail,
) -> None:
    for name, entry in entries.items():
        if not isinstance(entry, dict):
            locations.update(
                {p: loc for p, loc in doc_locations.items() if p[:2] == (section, name)}
            )
            raise fail((section, name), f"expected a mapping of {section[:-1]} settings")
        if name in target:
            first = locations[(section, name)]
            locations[(section, name)] = doc_locations[(section, name)]
            raise fail((section, name), f"defined twice (first at {first[0]}:{first[1]})")
        target[name] = entry
    for path, location in doc_locations.items():
        if path[:1] == (section,) and len(path) > 1:
            locations[path] = location


def parse_config(
    documents: list[tuple[Any, dict[Path, Location]]],
    *,
    environ: Mapping[str, str] | None = None,
    default_file: str = "<config>",
) -> OrchestifyConfig:
    """Merge parsed YAML documents into one config (``load_config`` without the file reading)."""
    env = os.environ if environ is None else environ
    locations: dict[Path, Location] = {}

    def fail(path: Path, reason: str) -> ConfigError:
        file, line = _lookup(locations, path) or (default_file, None)
        return ConfigError(reason, file=file, line=line, path=format_path(path) or None)

    merged = _merge(documents, locations, fail)
    from_secrets: set[Path] = set()
    substituted = substitute_tree(merged, (), env, fail, from_secrets)
    try:
        config = converter().structure(substituted, OrchestifyConfig)
    except Exception as exc:  # cattrs raises exception groups of many kinds
        path, reason = first_error(exc)
        raise fail(path, reason) from None
    check(config, fail)
    check_ledger(config.ledger, config.budgets, config.providers.providers,
                 config.agents.agents, fail)  # fmt: skip
    config = _with_origins(config, default_file, locations, from_secrets)
    warn_insecure(config)
    return config


def _with_origins(
    config: OrchestifyConfig,
    default_file: str,
    locations: Mapping[Path, Location],
    from_secrets: set[Path],
) -> OrchestifyConfig:
    """``config`` with each provider knowing where its keys were written."""
    providers: dict[str, ProviderConfig] = {}
    for pid, provider in config.providers.providers.items():
        base = ("providers", pid)
        origin = ProviderOrigin(
            file=default_file,
            locations={p[2:]: loc for p, loc in locations.items() if p[:2] == base},
            from_secrets=frozenset(p[2:] for p in from_secrets if p[:2] == base),
        )
        providers[pid] = attrs.evolve(provider, _origin=origin)
    return attrs.evolve(config, providers=ProvidersConfig(providers))


def load_config(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> OrchestifyConfig:
    """Load a YAML file, or every ``*.yaml`` / ``*.yml`` file of a directory.

    :param path: A file, or a directory whose YAML files are merged (in name order); a
        provider or agent defined in two files is an error.
    :param environ: Variables for ``${VAR}`` substitution (default: ``os.environ``).
    :raises ConfigError: with file, line and key path, for any problem.
    """
    root = FsPath(path)
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise ConfigError("no *.yaml or *.yml files in the directory", file=str(root))
    elif root.is_file():
        files = [root]
    else:
        raise ConfigError("no such file or directory", file=str(root))
    from ._yaml import read_config_file, read_yaml

    documents = [read_yaml(read_config_file(file), str(file)) for file in files]
    return parse_config(documents, environ=environ, default_file=str(root))


def loads_config(
    text: str, *, file: str = "<string>", environ: Mapping[str, str] | None = None
) -> OrchestifyConfig:
    """Load a configuration from a YAML string."""
    from ._yaml import read_yaml

    return parse_config([read_yaml(text, file)], environ=environ, default_file=file)


def dump_config(config: OrchestifyConfig) -> dict[str, Any]:
    """The config as plain data, with every secret masked (safe to log or print)."""
    data: dict[str, Any] = converter().unstructure(config)
    for pid, provider in config.providers.providers.items():
        entry = data["providers"][pid]
        entry["headers"] = provider.masked("headers")
        entry["options"] = provider.masked("options")
    return data


# --------------------------------------------------------------------------- for plugins


def provider_error(
    config: ProviderConfig, provider_id: str, path: Path | str, reason: str
) -> ConfigError:
    """A ConfigError about ``providers.<provider_id>.<path>``, at the key's file and line.

    :param path: The key path below the provider: ``("options", "region")`` or
        ``"options.region"``.
    """
    relative: Path = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
    origin = config._origin
    file, line = origin.locate(relative) if origin is not None else ("<arguments>", None)
    full = format_path(("providers", provider_id, *relative))
    return ConfigError(reason, file=file, line=line, path=full)


def options_error(
    config: ProviderConfig, provider_id: str, key: Path | str, reason: str
) -> ConfigError:
    """A ConfigError about ``providers.<provider_id>.options.<key>``, at its file and line."""
    relative = tuple(key.split(".")) if isinstance(key, str) else tuple(key)
    return provider_error(config, provider_id, ("options", *relative), reason)


def structure_options(options_cls: type[T], config: ProviderConfig, provider_id: str) -> T:
    """The provider's ``options:`` structured into the plugin's attrs class ``options_cls``.

    Strict like the rest of the config: unknown keys are refused (with a close match
    suggested), scalars are not coerced (``"lots"`` is not an int, ``"yes"`` not a bool).

    :raises ConfigError: ``file:line: providers.<id>.options.<key>: <what>``.
    """
    try:
        return converter().structure(dict(config.options), options_cls)
    except Exception as exc:  # cattrs raises exception groups of many kinds
        path, reason = first_error(exc, options_cls)
        raise options_error(config, provider_id, path, reason) from None
