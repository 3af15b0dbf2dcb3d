"""ProviderRegistry: the providers of an engine, by id, built from config."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

from ._dispatch import PluginHost
from .config import AgentConfig, AgentsConfig, OrchestifyConfig, ProviderConfig, ProvidersConfig
from .errors import (
    AgentNotFoundError,
    APIConnectionError,
    ConfigError,
    ProviderNotFoundError,
    RequestValidationError,
)
from .models import HealthStatus
from .plugins import as_host, default_plugin_manager, ensure_provider_type
from .provider import LLMProvider
from .usage import TokenUsage

if TYPE_CHECKING:
    from .cache import ResponseCache
    from .ledger import Ledger
    from .store.fleet import RedisFleetStore

__all__ = ["ProviderRegistry"]

logger = logging.getLogger(__name__)


def _usage_row(usage: TokenUsage) -> dict[str, Any]:
    return {
        "input_tokens": usage.total_input,
        "output_tokens": usage.total_output,
        "cache_read_tokens": usage.total_cache_read,
        "cache_write_tokens": usage.total_cache_write,
        "cost_usd": usage.total_cost_usd,
        "cost": str(usage.cost),
        "call_count": usage.call_count,
        "attempts": usage.attempts,
        "unpriced_attempts": usage.unpriced_attempts,
        "estimated_attempts": usage.estimated_attempts,
    }


def _build(host: PluginHost, provider_id: str, config: ProviderConfig) -> LLMProvider:
    """One provider of a config, as the class its plugin names."""
    ensure_provider_type(host, config.type)
    hooks = host.hooks_for(config.type)
    provider_class = hooks.orchestify_provider_class(provider_type=config.type) or LLMProvider
    try:
        provider: LLMProvider = provider_class(config, provider_id=provider_id, plugin_manager=host)
    except RequestValidationError as exc:
        raise ConfigError(str(exc), path=f"providers.{provider_id}.default_model") from exc
    return provider


def _check_connectivity_now(registry: ProviderRegistry) -> None:
    """``from_config(validate_connectivity=True)``: health checks, outside any event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(registry.check_connectivity())
    else:
        raise RuntimeError(
            "from_config(validate_connectivity=True) cannot run inside an event loop; "
            "call 'await registry.check_connectivity()' instead"
        )


_closing: set[asyncio.Task[None]] = set()


def _close_quietly(providers: Iterable[LLMProvider]) -> None:
    """Close what a failed build made: its clients hold no sockets yet, but may hold pools
    and files. Without a running loop, each ``aclose`` runs in a loop of its own."""
    for provider in providers:
        try:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(provider.aclose())
            else:
                task = loop.create_task(provider.aclose())
                _closing.add(task)
                task.add_done_callback(_closing.discard)
        except Exception:  # closing must not hide the error that stopped the build
            logger.debug("closing provider %s failed", provider.provider_id, exc_info=True)


class ProviderRegistry:
    """The providers an engine uses, by id.

    Build it with :meth:`from_config` (every provider of a ``providers:`` section, with
    only the plugins those types need) or fill it with :meth:`register`.
    """

    def __init__(
        self,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
        agents: AgentsConfig | None = None,
    ) -> None:
        self._providers: dict[str, LLMProvider] = {}
        self._manager = plugin_manager
        self._agents = agents or AgentsConfig()
        self._ledger: Ledger | None = None
        self._fleet: RedisFleetStore | None = None
        self._cache: ResponseCache | None = None

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        if self._manager is None:
            self._manager = default_plugin_manager()
        return self._manager

    # ------------------------------------------------------------------ building

    @classmethod
    def from_config(
        cls,
        providers_config: ProvidersConfig | OrchestifyConfig,
        validate_connectivity: bool = False,
        *,
        plugin_manager: pluggy.PluginManager | None = None,
    ) -> ProviderRegistry:
        """Build every provider of the config.

        Only the plugins of the types the config uses are imported. Either every provider
        is built or the call raises and nothing is kept.

        :param providers_config: The ``providers`` of a loaded config (or the whole config,
            which also gives :meth:`get_for_agent` its agents).
        :param validate_connectivity: Run each provider's health check now and raise
            :class:`APIConnectionError` if one fails. Needs no running event loop; inside
            one, use ``await registry.check_connectivity()`` instead.
        :raises ConfigError: a provider's settings are not valid for its plugin.
        :raises PluginError: a type is unknown, claimed twice, or its plugin is broken.
        """
        agents = ledger = whole = None
        manager = as_host(plugin_manager or default_plugin_manager())
        if isinstance(providers_config, OrchestifyConfig):
            agents = providers_config.agents
            if providers_config.ledger is not None or providers_config.budgets:
                from .ledger import Ledger

                ledger = Ledger.from_config(providers_config, manager)
            if providers_config.plugins:
                from ._fleet import enable_plugins

                enable_plugins(providers_config.plugins, manager)
            whole = providers_config
            providers_config = providers_config.providers
        registry = cls(plugin_manager=manager, agents=agents)
        built: dict[str, LLMProvider] = {}
        try:
            for provider_id, config in providers_config.providers.items():
                built[provider_id] = _build(manager, provider_id, config)
        except BaseException:
            _close_quietly(built.values())
            raise
        for provider in built.values():
            provider.set_fallbacks([built[f] for f in provider.config.fallbacks])
            provider.set_ledger(ledger)
        registry._providers = built
        registry._ledger = ledger
        if whole is not None:
            from ._fleet import wire_fleet

            registry._fleet = wire_fleet(whole, built)
            if whole.cache is not None:
                from .cache.core import wire_cache

                registry._cache = wire_cache(whole, built)
        if validate_connectivity:
            _check_connectivity_now(registry)
        return registry

    def register(self, provider_id: str, provider: LLMProvider) -> None:
        """Add a provider under ``provider_id``."""
        if not isinstance(provider, LLMProvider):
            raise TypeError(f"expected an LLMProvider, got {type(provider).__name__}")
        if provider_id in self._providers:
            raise ValueError(f"a provider {provider_id!r} is already registered")
        self._providers[provider_id] = provider

    # ------------------------------------------------------------------ lookup

    def get(self, provider_id: str) -> LLMProvider:
        """The provider registered as ``provider_id``; the error lists the ones there are."""
        try:
            return self._providers[provider_id]
        except KeyError:
            raise ProviderNotFoundError(provider_id, self._providers) from None

    def get_for_agent(
        self,
        agent_id: str,
        agents_config: AgentsConfig | OrchestifyConfig | Mapping[str, AgentConfig] | None = None,
    ) -> LLMProvider:
        """The provider of an agent, bound to the agent's model and settings.

        :param agents_config: The ``agents`` section; default: the one of the config the
            registry was built from.
        """
        if isinstance(agents_config, OrchestifyConfig):
            agents: Mapping[str, AgentConfig] = agents_config.agents.agents
        elif isinstance(agents_config, AgentsConfig):
            agents = agents_config.agents
        elif agents_config is None:
            agents = self._agents.agents
        else:
            agents = agents_config
        agent = agents.get(agent_id)
        if agent is None:
            raise AgentNotFoundError(agent_id, agents)
        provider = self.get(agent.provider)
        return provider.bind(
            model=agent.model,
            temperature=agent.temperature,
            max_tokens=agent.max_tokens,
            thinking=agent.thinking,
            system=agent.system,
            agent=agent_id,
            tags=agent.tags,
            cache=agent.cache,
        )

    def list_providers(self) -> list[str]:
        """The registered provider ids."""
        return list(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._providers

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    def __repr__(self) -> str:
        return f"<ProviderRegistry providers={self.list_providers()!r}>"

    # ------------------------------------------------------------------ usage

    def get_total_usage(self) -> dict[str, TokenUsage]:
        """Cumulative usage per provider id."""
        return {pid: provider.get_usage() for pid, provider in self._providers.items()}

    def get_usage_summary(self) -> dict[str, Any]:
        """Usage per provider and in total: ``summary["total"]["cost_usd"]``."""
        usages = self.get_total_usage()
        total = sum(usages.values(), TokenUsage())
        return {
            "providers": {pid: _usage_row(usage) for pid, usage in usages.items()},
            "total": _usage_row(total),
        }

    @property
    def ledger(self) -> Ledger | None:
        """The usage ledger of the config's ``ledger:`` / ``budgets:`` (None without them)."""
        return self._ledger

    @property
    def cache(self) -> ResponseCache | None:
        """The response cache of the config's ``cache:`` section (None without one)."""
        return self._cache

    def reset_all_usage(self) -> None:
        for provider in self._providers.values():
            provider.reset_usage()

    # ------------------------------------------------------------------ health, lifecycle

    async def check_health(self) -> dict[str, HealthStatus]:
        """Every provider's health check, run concurrently."""
        ids = list(self._providers)
        results = await asyncio.gather(*(self._providers[pid].health_check() for pid in ids))
        return dict(zip(ids, results, strict=True))

    async def check_connectivity(self) -> None:
        """Raise :class:`APIConnectionError` naming every provider whose health check fails."""
        failed = {pid: s for pid, s in (await self.check_health()).items() if not s.ok}
        if failed:
            detail = "; ".join(f"{pid}: {status.detail}" for pid, status in failed.items())
            raise APIConnectionError(f"health check failed: {detail}")

    async def aclose(self) -> None:
        """Close every provider's client, then the usage ledger (writing what is pending)."""
        await asyncio.gather(*(p.aclose() for p in self._providers.values()))
        if self._ledger is not None:
            await self._ledger.aclose()
        if self._cache is not None:
            await self._cache.aclose()
        if self._fleet is not None:  # the shared limiters' and breakers' updates, then Redis
            gates = [p._gate for p in self._providers.values() if p._gate is not None]
            await asyncio.gather(*(gate.aclose() for gate in gates))
            await self._fleet.aclose()

    async def __aenter__(self) -> ProviderRegistry:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
