"""Configuration: providers, agents and their settings, loaded from YAML.

``load_config(path)`` reads one YAML file or every ``*.yaml``/``*.yml`` file of a directory
(in name order), substitutes ``${VAR}``, ``${VAR:-default}`` and ``$$`` in string values,
and structures the result into attrs records with a private cattrs converter that forbids
unknown keys. Every error is one :class:`~orchestify_core.errors.ConfigError` naming the file,
the line and the key path, and nothing is half-built.

Substitution happens per scalar, after parsing: a variable's value is always a plain string,
never YAML, and is never substituted again.
"""

from __future__ import annotations

import ast
import math
import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs

from ._paths import Location, Path, format_path
from .errors import ConfigError
from .models import ModelPrice
from .secret import Secret

if TYPE_CHECKING:
    import cattrs

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
    "parse_config",
]


@attrs.frozen
class RetryConfig:
    """How the layer retries a failed attempt (the SDKs' own retries are always off).

    Attributes:
        max_retries: Retries after the first attempt (0 turns retrying off).
        initial_delay: Seconds before the first retry; doubles each time.
        max_delay: Cap of the exponential backoff, in seconds.
        max_retry_after: The longest ``retry-after`` the layer honours; a provider asking for
            longer fails the attempt instead of stalling the caller.
        jitter: Fraction of each backoff delay that is randomised (0 to 1).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25


@attrs.frozen
class CircuitBreakerConfig:
    """A per-provider circuit breaker.

    Attributes:
        failure_threshold: Consecutive counted failures that open the breaker.
        recovery_time: Seconds the breaker stays open before letting trial calls through.
        half_open_max_calls: Trial calls let through at once while half-open.
    """

    failure_threshold: int = 5
    recovery_time: float = 30.0
    half_open_max_calls: int = 1


@attrs.frozen
class PriceConfig:
    """A price override in USD per million tokens (wins over the plugin's price)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None

    def to_model_price(self) -> ModelPrice:
        return ModelPrice(
            input_per_mtok=self.input,
            output_per_mtok=self.output,
            cache_read_per_mtok=self.cache_read,
            cache_write_per_mtok=self.cache_write,
            source="config",
        )


@attrs.frozen
class ProviderConfig:
    """One provider entry of the ``providers:`` section.

    Attributes:
        type: The provider plugin's type (``anthropic``, ``openai``, ``litellm``, ...).
        api_key: The credential; write ``${ENV_VAR}`` rather than the key itself.
        default_model: The model used when a call names none.
        max_tokens: Default (and largest) ``max_tokens`` of a call.
        base_url: Another endpoint: a proxy, an enterprise deployment, a compatible server.
        timeout: Seconds one attempt may take, whole stream included.
        retry: Retry policy.
        fallbacks: Provider ids to fail over to, in order, when this one fails.
        circuit_breaker: Breaker settings; None disables it.
        prices: Price overrides per model id.
        thinking_budget: Default budget of thinking tokens when thinking is on.
        organization: OpenAI organization id.
        project: OpenAI project id.
        headers: Extra HTTP headers sent with every request.
        options: Provider-specific settings, passed to the plugin as they are.
    """

    type: str
    default_model: str
    api_key: Secret | None = None
    max_tokens: int = 8192
    base_url: str | None = None
    timeout: float = 600.0
    retry: RetryConfig = RetryConfig()
    fallbacks: tuple[str, ...] = ()
    circuit_breaker: CircuitBreakerConfig | None = None
    prices: Mapping[str, PriceConfig] = attrs.field(factory=dict)
    thinking_budget: int | None = None
    organization: str | None = None
    project: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    options: Mapping[str, Any] = attrs.field(factory=dict)

    def price_override(self, model: str) -> ModelPrice | None:
        """The configured price of ``model``, if the config sets one."""
        price = self.prices.get(model)
        return price.to_model_price() if price is not None else None


@attrs.frozen
class ProvidersConfig:
    """The ``providers:`` section: provider id -> its config."""

    providers: Mapping[str, ProviderConfig] = attrs.field(factory=dict)


@attrs.frozen
class AgentConfig:
    """One agent of the ``agents:`` section: which provider and model it uses, and how.

    Attributes:
        provider: A provider id from the ``providers:`` section.
        model: The model, if not the provider's default.
        temperature: Default temperature for the agent's calls.
        max_tokens: Default max_tokens for the agent's calls.
        thinking: Whether the agent's calls think by default.
        system: A system prompt the agent's calls start with.
    """

    provider: str
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    thinking: bool | None = None
    system: str | None = None


@attrs.frozen
class AgentsConfig:
    """The ``agents:`` section: agent id -> its settings."""

    agents: Mapping[str, AgentConfig] = attrs.field(factory=dict)


@attrs.frozen
class OrchestifyConfig:
    """A whole configuration, as ``load_config`` returns it."""

    providers: ProvidersConfig = ProvidersConfig()
    agents: AgentsConfig = AgentsConfig()


# --------------------------------------------------------------------------- ${VAR} substitution

_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _SubstitutionError(Exception):
    pass


def substitute(text: str, environ: Mapping[str, str]) -> str:
    """Replace ``${VAR}``, ``${VAR:-default}`` and ``$$`` in one string, non-recursively."""
    if "$" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "$" or i + 1 >= n:
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt != "{":
            out.append(char)
            i += 1
            continue
        end = text.find("}", i + 2)
        if end < 0:
            raise _SubstitutionError(f"malformed substitution {text[i:]!r}: missing '}}'")
        body = text[i + 2 : end]
        name, sep, default = body.partition(":-")
        if not _VAR_NAME.fullmatch(name):
            raise _SubstitutionError(f"malformed substitution '${{{body}}}'")
        value = environ.get(name)
        if value is None or (sep and value == ""):
            if not sep:
                raise _SubstitutionError(f"environment variable {name} is not set")
            value = default
        out.append(value)
        i = end + 1
    return "".join(out)


def _substitute_tree(
    value: Any, path: Path, environ: Mapping[str, str], fail: Callable[[Path, str], ConfigError]
) -> Any:
    if isinstance(value, str):
        try:
            return substitute(value, environ)
        except _SubstitutionError as exc:
            raise fail(path, str(exc)) from None
    if isinstance(value, dict):
        return {k: _substitute_tree(v, (*path, k), environ, fail) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_tree(v, (*path, i), environ, fail) for i, v in enumerate(value)]
    return value


# --------------------------------------------------------------------------- structuring


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, bool):
        raise TypeError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise TypeError(f"expected an integer, got {value!r}")


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, bool):
        raise TypeError("expected a number, got a boolean")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise TypeError(f"expected a number, got {value!r}") from None
    else:
        raise TypeError(f"expected a number, got {value!r}")
    if not math.isfinite(number):
        raise TypeError(f"expected a finite number, got {value!r}")
    return number


def _strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(f"expected true or false, got {value!r}")


def _strict_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {value!r}")


def _decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a price, got {value!r}")
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"expected a price, got {value!r}") from None
    if not price.is_finite() or price < 0:
        raise TypeError(f"expected a non-negative price, got {value!r}")
    return price


def _secret(value: Any, _: type) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value)
    raise TypeError("expected a string")


@cache
def _converter() -> cattrs.Converter:
    """The private converter, built on first use (cattrs is not imported before)."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_structure_hook(Secret, _secret)
    converter.register_unstructure_hook(Secret, lambda _: "**********")
    converter.register_unstructure_hook(Decimal, str)

    def structure_providers(value: Any, _: type) -> ProvidersConfig:
        if value is None:
            return ProvidersConfig()
        return ProvidersConfig(converter.structure(value, dict[str, ProviderConfig]))

    def structure_agents(value: Any, _: type) -> AgentsConfig:
        if value is None:
            return AgentsConfig()
        return AgentsConfig(converter.structure(value, dict[str, AgentConfig]))

    converter.register_structure_hook(ProvidersConfig, structure_providers)
    converter.register_structure_hook(AgentsConfig, structure_agents)
    converter.register_unstructure_hook(
        ProvidersConfig, lambda c: {k: converter.unstructure(v) for k, v in c.providers.items()}
    )
    converter.register_unstructure_hook(
        AgentsConfig, lambda c: {k: converter.unstructure(v) for k, v in c.agents.items()}
    )
    return converter


_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")
_REASONS = {
    "invalid value for type, expected ProviderConfig": "expected a mapping of provider settings",
    "invalid value for type, expected AgentConfig": "expected a mapping of agent settings",
}


def _parse_cattrs_path(text: str) -> Path:
    parts: list[str | int] = []
    for match in _PATH_TOKEN.finditer(text.removeprefix("$")):
        if match.group(1) is not None:
            parts.append(match.group(1))
        else:
            token = ast.literal_eval(match.group(2))
            parts.append(token if isinstance(token, int | str) else str(token))
    return tuple(parts)


def _first_error(exc: Exception) -> tuple[Path, str]:
    """The first of cattrs' errors, as (path, reason)."""
    import cattrs

    messages = cattrs.transform_error(exc, path="$")
    message = messages[0] if messages else str(exc)
    reason, _, where = message.rpartition(" @ ")
    if not reason:
        return (), message
    path = _parse_cattrs_path(where)
    if reason.startswith("extra fields found (") and reason.endswith(")"):
        extra = reason[len("extra fields found (") : -1].split(", ")[0]
        return (*path, extra), "unknown key"
    if reason.startswith("required field missing"):
        return path, "required key missing"
    if reason.startswith("unknown error"):
        return path, "expected a mapping"
    if reason.startswith("invalid value for type, expected "):
        expected = reason.removeprefix("invalid value for type, expected ")
        reason = _REASONS.get(reason, f"expected {expected}")
    return path, reason


# --------------------------------------------------------------------------- semantic checks


def _check(config: OrchestifyConfig, fail: Callable[[Path, str], ConfigError]) -> None:
    providers = config.providers.providers
    for pid, provider in providers.items():
        base: Path = ("providers", pid)
        if not provider.type:
            raise fail((*base, "type"), "must not be empty")
        if not provider.default_model:
            raise fail((*base, "default_model"), "must not be empty")
        if provider.max_tokens <= 0:
            raise fail((*base, "max_tokens"), "must be a positive integer")
        if provider.timeout <= 0:
            raise fail((*base, "timeout"), "must be a positive number of seconds")
        if provider.thinking_budget is not None and provider.thinking_budget < 1024:
            raise fail((*base, "thinking_budget"), "must be at least 1024 tokens")
        if provider.base_url is not None:
            _check_url(provider.base_url, (*base, "base_url"), fail)
        retry = provider.retry
        if retry.max_retries < 0:
            raise fail((*base, "retry", "max_retries"), "must not be negative")
        if retry.initial_delay < 0 or retry.max_delay < 0 or retry.max_retry_after < 0:
            raise fail((*base, "retry"), "delays must not be negative")
        if not 0 <= retry.jitter <= 1:
            raise fail((*base, "retry", "jitter"), "must be between 0 and 1")
        breaker = provider.circuit_breaker
        if breaker is not None:
            if breaker.failure_threshold < 1:
                raise fail((*base, "circuit_breaker", "failure_threshold"), "must be at least 1")
            if breaker.half_open_max_calls < 1:
                raise fail((*base, "circuit_breaker", "half_open_max_calls"), "must be at least 1")
            if breaker.recovery_time < 0:
                raise fail((*base, "circuit_breaker", "recovery_time"), "must not be negative")
        for index, fallback in enumerate(provider.fallbacks):
            if fallback not in providers:
                raise fail(
                    (*base, "fallbacks", index),
                    f"unknown provider {fallback!r} (configured: {', '.join(sorted(providers))})",
                )
            if fallback == pid:
                raise fail((*base, "fallbacks", index), "a provider cannot fall back to itself")
    for aid, agent in config.agents.agents.items():
        if agent.provider not in providers:
            raise fail(
                ("agents", aid, "provider"),
                f"unknown provider {agent.provider!r} "
                f"(configured: {', '.join(sorted(providers)) or 'none'})",
            )
        if agent.max_tokens is not None and agent.max_tokens <= 0:
            raise fail(("agents", aid, "max_tokens"), "must be a positive integer")


def _check_url(url: str, path: Path, fail: Callable[[Path, str], ConfigError]) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise fail(path, "is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail(path, "must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise fail(path, "must not contain credentials; use api_key")


# --------------------------------------------------------------------------- loading


def _lookup(locations: Mapping[Path, Location], path: Path) -> Location | None:
    while True:
        if path in locations:
            return locations[path]
        if not path:
            return None
        path = path[:-1]


def parse_config(
    documents: list[tuple[Any, dict[Path, Location]]],
    *,
    environ: Mapping[str, str] | None = None,
    default_file: str = "<config>",
) -> OrchestifyConfig:
    """Merge parsed YAML documents into one config (``load_config`` without the file reading)."""
    env = os.environ if environ is None else environ
    merged: dict[str, dict[str, Any]] = {}
    locations: dict[Path, Location] = {}

    def fail(path: Path, reason: str) -> ConfigError:
        file, line = _lookup(locations, path) or (default_file, None)
        return ConfigError(reason, file=file, line=line, path=format_path(path) or None)

    for data, doc_locations in documents:
        if data is None:
            continue
        if not isinstance(data, dict):
            locations.update(doc_locations)
            raise fail((), "the top level must be a mapping with 'providers' and/or 'agents'")
        for section, entries in data.items():
            if (section,) in doc_locations:
                locations[(section,)] = doc_locations[(section,)]
            if section not in ("providers", "agents"):
                raise fail((section,), "unknown key (expected 'providers' or 'agents')")
            if entries is None:
                continue
            if not isinstance(entries, dict):
                raise fail((section,), f"expected a mapping of {section}")
            target = merged.setdefault(section, {})
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

    substituted = _substitute_tree(merged, (), env, fail)
    try:
        config = _converter().structure(substituted, OrchestifyConfig)
    except Exception as exc:  # cattrs raises exception groups of many kinds
        path, reason = _first_error(exc)
        raise fail(path, reason) from None
    _check(config, fail)
    return config


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
    from ._yaml import read_yaml

    documents = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc.__class__.__name__}", file=str(file)) from None
        documents.append(read_yaml(text, str(file)))
    return parse_config(documents, environ=environ, default_file=str(root))


def loads_config(
    text: str, *, file: str = "<string>", environ: Mapping[str, str] | None = None
) -> OrchestifyConfig:
    """Load a configuration from a YAML string."""
    from ._yaml import read_yaml

    return parse_config([read_yaml(text, file)], environ=environ, default_file=file)


def dump_config(config: OrchestifyConfig) -> dict[str, Any]:
    """The config as plain data, with every secret masked (safe to log or print)."""
    data: dict[str, Any] = _converter().unstructure(config)
    return data
