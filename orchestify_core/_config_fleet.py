"""The config of many workers sharing one provider quota: rate limits, the ``fleet:`` store,
and the cross-cutting ``plugins:`` to enable.

::

    fleet:                          # where shared rate limits and breakers live
      url: ${REDIS_URL}             # default: the ledger's url when its backend is redis
      prefix: orchestify
      timeout: 5                    # seconds per store operation
    plugins:
      otel: {capture_content: false}   # entry point 'otel' of group orchestify.plugins
    providers:
      claude:
        rate_limits:
          requests_per_minute: 300
          input_tokens_per_minute: 40000
          output_tokens_per_minute: 8000
          tokens_per_minute: 90000  # input + output (OpenAI's TPM)
          shared: true              # one bucket for every worker, in the fleet store
        circuit_breaker: {shared: true}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._paths import Path
from .secret import Secret

__all__ = [
    "FLEET_SECTIONS",
    "FleetConfig",
    "RateLimitConfig",
    "check_fleet",
    "fleet_url",
    "structure_fleet_sections",
]

#: Top-level sections this module adds (each holds one mapping).
FLEET_SECTIONS = ("fleet", "plugins")


@attrs.frozen
class RateLimitConfig:
    """A provider's ``rate_limits:``: the client waits for capacity instead of a 429.

    Attributes:
        requests_per_minute: Requests per minute (every attempt is one).
        input_tokens_per_minute: Input tokens per minute (estimated before the call,
            corrected by the usage the provider reports).
        output_tokens_per_minute: Output tokens per minute (a call holds its
            ``max_tokens`` until it ends, then what it really used; the providers do the same).
        tokens_per_minute: Input + output tokens per minute (OpenAI's TPM).
        shared: Keep the buckets in the ``fleet:`` store, one for every worker.
        learn_from_headers: Adopt the limits the provider's ``*-ratelimit-*`` headers
            announce (for a kind the config leaves unset), and lower a bucket to the
            ``remaining`` they report.
        burst_seconds: The most a bucket holds, in seconds of its rate (1: the limit is
            spread evenly, never more than a second's worth at once).
    """

    requests_per_minute: float | None = None
    input_tokens_per_minute: float | None = None
    output_tokens_per_minute: float | None = None
    tokens_per_minute: float | None = None
    shared: bool = False
    learn_from_headers: bool = True
    burst_seconds: float = 1.0

    def per_minute(self) -> dict[str, float]:
        """The configured limits by kind (``requests``, ``input_tokens``, ...)."""
        values = {
            "requests": self.requests_per_minute,
            "input_tokens": self.input_tokens_per_minute,
            "output_tokens": self.output_tokens_per_minute,
            "tokens": self.tokens_per_minute,
        }
        return {kind: value for kind, value in values.items() if value is not None}


@attrs.frozen(repr=False)
class FleetConfig:
    """The ``fleet:`` section: the Redis that shared rate limits and breakers live in.

    Attributes:
        url: ``redis://...`` (may hold a password: masked when shown); default: the
            ledger's url when the ledger's backend is redis.
        prefix: The prefix of every key (``{prefix}:rl:...``, ``{prefix}:cb:...``).
        timeout: Seconds a store operation may take; past it the worker falls back to its
            own local limiter and breaker until the store answers again.
    """

    url: Secret | None = None
    prefix: str = "orchestify"
    timeout: float = 5.0

    def __repr__(self) -> str:
        return (
            f"FleetConfig(url={'***' if self.url else None}, prefix={self.prefix!r}, "
            f"timeout={self.timeout!r})"
        )


def fleet_url(config: Any) -> tuple[str, str, float] | None:
    """``(url, prefix, timeout)`` of the fleet store of a whole config, or None: the
    ``fleet:`` section's, else a redis ledger's."""
    fleet: FleetConfig | None = getattr(config, "fleet", None)
    if fleet is not None and fleet.url is not None:
        return fleet.url.get_secret_value(), fleet.prefix, fleet.timeout
    ledger = getattr(config, "ledger", None)
    if ledger is not None and ledger.backend == "redis" and ledger.url is not None:
        prefix = fleet.prefix if fleet is not None else ledger.prefix
        timeout = fleet.timeout if fleet is not None else ledger.timeout
        return ledger.url.get_secret_value(), prefix, timeout
    return None


def structure_fleet_sections(
    tree: Mapping[str, Any], report: Any
) -> tuple[FleetConfig | None, dict[str, Mapping[str, Any]]]:
    """The ``fleet:`` section and the ``plugins:`` to enable, each problem reported."""
    from ._config_convert import all_errors, converter

    fleet: FleetConfig | None = None
    if tree.get("fleet") is not None:
        try:
            fleet = converter().structure(tree["fleet"], FleetConfig)
        except Exception as exc:  # cattrs raises exception groups of many kinds
            for path, reason in all_errors(exc, FleetConfig):
                report(("fleet", *path), reason)
    plugins: dict[str, Mapping[str, Any]] = {}
    for name, settings in (tree.get("plugins") or {}).items():
        if settings is None or settings is True:
            plugins[name] = {}
        elif isinstance(settings, dict):
            plugins[name] = settings
        else:
            report(("plugins", name), "expected a mapping of the plugin's settings (or true)")
    return fleet, plugins


def check_fleet(config: Any, report: Any) -> None:
    """Report every problem of ``fleet:`` and of each provider's ``rate_limits:`` and
    shared ``circuit_breaker:``, as ``report(path, reason)``."""
    fleet: FleetConfig | None = getattr(config, "fleet", None)
    if fleet is not None:
        if fleet.url is not None:
            scheme = fleet.url.get_secret_value().partition("://")[0]
            if scheme not in ("redis", "rediss", "unix"):
                report(("fleet", "url"), "must be a redis://, rediss:// or unix:// URL")
        if fleet.timeout <= 0:
            report(("fleet", "timeout"), "must be a positive number of seconds")
        if not fleet.prefix or len(fleet.prefix) > 64 or "}" in fleet.prefix:
            report(("fleet", "prefix"), "must be 1 to 64 characters, without '}'")
    has_store = fleet_url(config) is not None
    for pid, provider in config.providers.providers.items():
        _check_provider(("providers", pid), provider, has_store, report)


def _check_provider(base: Path, provider: Any, has_store: bool, report: Any) -> None:
    limits: RateLimitConfig | None = provider.rate_limits
    no_store = "needs a fleet: section with a url (or a ledger: with backend redis)"
    if limits is not None:
        for kind, value in limits.per_minute().items():
            key = "requests_per_minute" if kind == "requests" else f"{kind}_per_minute"
            if not value > 0:
                report((*base, "rate_limits", key), "must be more than 0")
        if not limits.burst_seconds > 0:
            report((*base, "rate_limits", "burst_seconds"), "must be more than 0")
        if limits.shared and not has_store:
            report((*base, "rate_limits", "shared"), f"shared: true {no_store}")
    breaker = provider.circuit_breaker
    if breaker is not None and getattr(breaker, "shared", False) and not has_store:
        report((*base, "circuit_breaker", "shared"), f"shared: true {no_store}")
