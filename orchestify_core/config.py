"""Configuration: providers, agents and their settings, loaded from YAML.

``load_config(path)`` reads one YAML file or every ``*.yaml``/``*.yml`` file of a directory
(in name order), substitutes ``${VAR}``, ``${VAR:-default}`` and ``$$`` in string values,
and structures the result into attrs records with a private cattrs converter that forbids
unknown keys. Every problem of the config is reported in one
:class:`~orchestify_core.errors.ConfigError` (one line per problem, in file and line order,
each naming the file, the line and the key path), and nothing is half-built. Only a file
that is not valid YAML, or breaks a budget, stops at its first problem.

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
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path as FsPath
from typing import Any, TypeVar

import attrs

from ._config_cache import check_cache, structure_cache_section
from ._config_check import check, warn_insecure
from ._config_convert import all_errors, converter, first_error
from ._config_fleet import check_fleet, structure_fleet_sections
from ._config_ledger import check_ledger, structure_ledger_sections
from ._config_merge import merge_documents
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
from ._config_problems import ConfigProblems, Problems
from ._config_subst import Substitution
from ._config_subst import substitute as substitute  # importable from here, as before
from ._paths import Location, Path, format_path
from .errors import ConfigError

__all__ = [
    "AgentConfig",
    "AgentsConfig",
    "CircuitBreakerConfig",
    "ConfigProblems",
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


def parse_config(
    documents: list[tuple[Any, dict[Path, Location]]],
    *,
    environ: Mapping[str, str] | None = None,
    default_file: str = "<config>",
    check_type: Callable[[str], str | None] | None = None,
    allow_unset_keys: bool = False,
) -> OrchestifyConfig:
    """Merge parsed YAML documents into one config (``load_config`` without the file reading).

    :param check_type: Called with each provider's ``type``; a string it returns is a
        problem at that ``type:`` key (the ``orchestify`` command checks the types against
        the installed plugins this way, reading their metadata only).
    :param allow_unset_keys: A credential (``api_key``, a sensitive header or option) whose
        ``${VAR}`` is unset becomes ``""`` instead of an error; the provider's origin lists
        it (for tools that show a config without calling anyone).
    :raises ConfigError: every problem at once (a :class:`ConfigProblems` when there are
        several), in file and line order.
    """
    env = os.environ if environ is None else environ
    locations: dict[Path, Location] = {}
    problems = Problems(locations, default_file)
    merged = merge_documents(documents, locations, problems)
    substitution = Substitution(env, problems.add, allow_unset_keys)
    tree = substitution.tree(merged, ())
    config = _structure(tree, problems)
    agent_providers = {aid: entry.get("provider") for aid, entry in tree.get("agents", {}).items()
                       if isinstance(entry, dict)}  # fmt: skip
    check(config, problems.add, set(tree.get("providers", {})), agent_providers)
    check_ledger(config.ledger, config.budgets, set(tree.get("providers", {})),
                 config.agents.agents, problems.add)  # fmt: skip
    check_fleet(config, problems.add)
    check_cache(config, problems.add, tree.get("cache") is not None)
    if check_type is not None:  # read from the document: an entry with other problems too
        for pid, entry in tree.get("providers", {}).items():
            kind = entry.get("type") if isinstance(entry, dict) else None
            reason = check_type(kind) if isinstance(kind, str) and kind else None
            if reason is not None:
                problems.add(("providers", pid, "type"), reason)
    files = dict.fromkeys(loc[0] for _, doc in documents for loc in doc.values())
    problems.raise_if_any(list(files))
    config = _with_origins(config, default_file, locations, substitution)
    warn_insecure(config)
    return config


def _structure(tree: dict[str, dict[str, Any]], problems: Problems) -> OrchestifyConfig:
    """Each provider and agent structured on its own, so that every entry's problems show."""
    conv = converter()
    sections: dict[str, dict[str, Any]] = {"providers": {}, "agents": {}}
    for section, kind in (("providers", ProviderConfig), ("agents", AgentConfig)):
        for name, entry in tree.get(section, {}).items():
            try:
                sections[section][name] = conv.structure(entry, kind)
            except Exception as exc:  # cattrs raises exception groups of many kinds
                for path, reason in all_errors(exc, kind):
                    problems.add((section, name, *path), reason)
    ledger, budgets = structure_ledger_sections(tree, problems.add)
    fleet, plugins = structure_fleet_sections(tree, problems.add)
    cache = structure_cache_section(tree, problems.add)
    return OrchestifyConfig(
        ProvidersConfig(sections["providers"]), AgentsConfig(sections["agents"]), ledger, budgets,
        fleet, plugins, cache,
    )  # fmt: skip


def _with_origins(
    config: OrchestifyConfig,
    default_file: str,
    locations: Mapping[Path, Location],
    substitution: Substitution,
) -> OrchestifyConfig:
    """``config`` with each provider knowing where its keys were written."""
    providers: dict[str, ProviderConfig] = {}

    def below(paths: Iterable[Path], base: Path) -> frozenset[Path]:
        return frozenset(p[2:] for p in paths if p[:2] == base)

    for pid, provider in config.providers.providers.items():
        base = ("providers", pid)
        origin = ProviderOrigin(
            file=default_file,
            locations={p[2:]: loc for p, loc in locations.items() if p[:2] == base},
            from_secrets=below(substitution.from_secrets, base),
            substituted=below(substitution.substituted, base),
            unset_keys={p[2:]: v for p, v in substitution.unset_keys.items() if p[:2] == base},
        )
        providers[pid] = attrs.evolve(provider, _origin=origin)
    return attrs.evolve(config, providers=ProvidersConfig(providers))


def load_config(
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    check_type: Callable[[str], str | None] | None = None,
    allow_unset_keys: bool = False,
) -> OrchestifyConfig:
    """Load a YAML file, or every ``*.yaml`` / ``*.yml`` file of a directory.

    :param path: A file, or a directory whose YAML files are merged (in name order); a
        provider or agent defined in two files is an error.
    :param environ: Variables for ``${VAR}`` substitution (default: ``os.environ``).
    :param check_type: See :func:`parse_config`.
    :param allow_unset_keys: See :func:`parse_config`.
    :raises ConfigError: every problem, each with file, line and key path.
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
    return parse_config(
        documents,
        environ=environ,
        default_file=str(root),
        check_type=check_type,
        allow_unset_keys=allow_unset_keys,
    )


def loads_config(
    text: str,
    *,
    file: str = "<string>",
    environ: Mapping[str, str] | None = None,
    check_type: Callable[[str], str | None] | None = None,
    allow_unset_keys: bool = False,
) -> OrchestifyConfig:
    """Load a configuration from a YAML string (the options as :func:`parse_config`'s)."""
    from ._yaml import read_yaml

    return parse_config(
        [read_yaml(text, file)],
        environ=environ,
        default_file=file,
        check_type=check_type,
        allow_unset_keys=allow_unset_keys,
    )


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


def config_from_settings(
    default_type: str | None, provider_id: str | None, settings: Mapping[str, Any]
) -> ProviderConfig:
    """The config of a provider built from keyword settings (``ClaudeProvider(api_key=...)``),
    checked like a YAML file's."""
    from .secret import Secret

    data = dict(settings)
    data.setdefault("type", default_type)
    if data["type"] is None:
        raise TypeError("LLMProvider needs a config, or settings with a 'type'")
    if isinstance(data.get("api_key"), str):
        data["api_key"] = Secret(data["api_key"])
    pid = provider_id or str(data["type"])
    config = parse_config([({"providers": {pid: data}}, {})], default_file="<arguments>")
    return config.providers.providers[pid]
