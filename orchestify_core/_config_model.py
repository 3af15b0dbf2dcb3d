"""The configuration's records: providers, agents and their settings (attrs, frozen).

They are public through :mod:`orchestify_core.config`; this module only defines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._config_cache import CacheConfig, ProviderCacheConfig
from ._config_fleet import FleetConfig, RateLimitConfig
from ._config_ledger import BudgetConfig, LedgerConfig
from ._config_secrets import mask_values
from ._paths import Location, Path
from .models import ModelPrice
from .secret import Secret

__all__ = [
    "AgentConfig",
    "AgentsConfig",
    "CircuitBreakerConfig",
    "OrchestifyConfig",
    "PriceConfig",
    "ProviderConfig",
    "ProviderOrigin",
    "ProvidersConfig",
    "RetryConfig",
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
        shared: Keep the state in the ``fleet:`` store: every worker opens and half-opens
            together (see docs/fleet.md).
    """

    failure_threshold: int = 5
    recovery_time: float = 30.0
    half_open_max_calls: int = 1
    shared: bool = False


@attrs.frozen
class PriceConfig:
    """A price override in USD per million tokens (wins over the plugin's price)."""

    input: Decimal
    output: Decimal
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None

    def to_model_price(self) -> ModelPrice:
        return ModelPrice(
            input_per_mtok=self.input,
            output_per_mtok=self.output,
            cache_read_per_mtok=self.cache_read,
            cache_write_per_mtok=self.cache_write,
            source="config",
            cache_write_1h_per_mtok=self.cache_write_1h,
        )


@attrs.frozen
class ProviderOrigin:
    """Where a provider's settings were written (kept by the core, never shown).

    Attributes:
        file: The file (or ``<arguments>``) to name when a key has no location of its own.
        locations: ``(file, line)`` of each key path, relative to the provider's entry.
        from_secrets: Relative paths of values written with a sensitive ``${VAR}``.
        substituted: Relative paths of values written with any ``${VAR}`` (a credential
            not among them was written into the file as it is).
        unset_keys: Relative paths of credentials whose ``${VAR}`` is unset, with the
            variable's name (only when the config was loaded with ``allow_unset_keys``).
    """

    file: str
    locations: Mapping[Path, Location] = attrs.field(factory=dict)
    from_secrets: frozenset[Path] = frozenset()
    substituted: frozenset[Path] = frozenset()
    unset_keys: Mapping[Path, str] = attrs.field(factory=dict)

    def locate(self, path: Path) -> tuple[str, int | None]:
        """The file and line of ``path`` (relative), or of its nearest written parent."""
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return self.file, None
            path = path[:-1]


@attrs.frozen(repr=False)
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
        rate_limits: Client-side rate limits; None: none (see docs/fleet.md).
        cache: Whether calls use the response cache (``true``, or a mapping; see
            docs/cache.md); None: not unless a call asks.
        prices: Price overrides per model id.
        thinking_budget: Default budget of thinking tokens when thinking is on.
        organization: OpenAI organization id.
        project: OpenAI project id.
        headers: Extra HTTP headers sent with every request.
        options: Provider-specific settings, passed to the plugin as they are (a plugin
            parses them with :func:`orchestify_core.config.structure_options`).

    Header and option values that look like credentials are masked in ``repr`` and
    ``dump_config`` but read as they are.
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
    rate_limits: RateLimitConfig | None = None
    cache: ProviderCacheConfig | None = None
    _origin: ProviderOrigin | None = attrs.field(
        default=None, eq=False, repr=False, alias="_origin", kw_only=True
    )

    def price_override(self, model: str) -> ModelPrice | None:
        """The configured price of ``model``, if the config sets one."""
        price = self.prices.get(model)
        return price.to_model_price() if price is not None else None

    def secret_values(self) -> tuple[str, ...]:
        """Every secret this config holds: the api_key and each masked header or option value.

        Non-empty strings, each once; for a ``Bearer <token>`` value the token alone too. The
        core scrubs all of them from error messages.
        """
        found: list[str] = []
        if self.api_key is not None and self.api_key.get_secret_value():
            found.append(self.api_key.get_secret_value())
        from_secrets = self._origin.from_secrets if self._origin is not None else frozenset()
        mask_values(self.headers, ("headers",), from_secrets, found)
        mask_values(self.options, ("options",), from_secrets, found)
        return tuple(dict.fromkeys(found))

    def masked(self, name: str) -> Any:
        """The value of the field ``name`` as it may be shown: secrets masked."""
        value = getattr(self, name)
        if name not in ("headers", "options"):
            return value
        from_secrets = self._origin.from_secrets if self._origin is not None else frozenset()
        return mask_values(value, (name,), from_secrets)

    def __repr__(self) -> str:
        shown = (
            f"{field.name}={self.masked(field.name)!r}"
            for field in attrs.fields(ProviderConfig)
            if field.repr
        )
        return f"ProviderConfig({', '.join(shown)})"


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
        tags: Tags recorded in the usage ledger with each of the agent's calls.
        cache: Whether the agent's calls use the response cache (None: the provider's).
    """

    provider: str
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    thinking: bool | None = None
    system: str | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict)
    cache: bool | None = None


@attrs.frozen
class AgentsConfig:
    """The ``agents:`` section: agent id -> its settings."""

    agents: Mapping[str, AgentConfig] = attrs.field(factory=dict)


@attrs.frozen
class OrchestifyConfig:
    """A whole configuration, as ``load_config`` returns it."""

    providers: ProvidersConfig = ProvidersConfig()
    agents: AgentsConfig = AgentsConfig()
    ledger: LedgerConfig | None = None
    budgets: Mapping[str, BudgetConfig] = attrs.field(factory=dict)
    fleet: FleetConfig | None = None
    plugins: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    cache: CacheConfig | None = None
