"""Checks of a structured config that types alone cannot express, and load-time warnings."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Collection, Mapping
from urllib.parse import parse_qsl, urlsplit

from ._config_model import OrchestifyConfig, ProviderConfig
from ._config_secrets import sensitive_name
from ._paths import Path

__all__ = ["Report", "check", "check_url", "warn_insecure"]

logger = logging.getLogger("orchestify_core.config")

#: Reports one problem at a key path; checking goes on.
Report = Callable[[Path, str], None]

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_BAD_CHARS = re.compile(r"[\r\n\0]")

#: Query parameters that carry credentials without looking like one (Azure SAS, signed URLs).
_CREDENTIAL_PARAMS = {"sig", "signature", "code", "access_token", "x-amz-signature"}


def check(
    config: OrchestifyConfig,
    report: Report,
    provider_ids: Collection[str],
    agent_providers: Mapping[str, object] | None = None,
) -> None:
    """Report every problem found, as ``report(path, reason)``.

    :param provider_ids: Every provider the document defines, those that failed to
        structure included (a reference to one of them is not also an error).
    :param agent_providers: Each agent's ``provider:`` as written, those of agents that
        failed to structure included (their reference is checked too).
    """
    providers = config.providers.providers
    for pid, provider in providers.items():
        _check_provider(pid, provider, provider_ids, report)
    written = dict(agent_providers or {})
    written.update({aid: agent.provider for aid, agent in config.agents.agents.items()})
    for aid, provider_id in written.items():
        if isinstance(provider_id, str) and provider_id not in provider_ids:
            report(
                ("agents", aid, "provider"),
                f"unknown provider {provider_id!r} "
                f"(configured: {', '.join(sorted(provider_ids)) or 'none'})",
            )
    for aid, agent in config.agents.agents.items():
        if agent.max_tokens is not None and agent.max_tokens <= 0:
            report(("agents", aid, "max_tokens"), "must be a positive integer")


def _check_provider(
    pid: str, provider: ProviderConfig, providers: Collection[str], report: Report
) -> None:
    base: Path = ("providers", pid)
    if not provider.type:
        report((*base, "type"), "must not be empty")
    if not provider.default_model:
        report((*base, "default_model"), "must not be empty")
    if provider.max_tokens <= 0:
        report((*base, "max_tokens"), "must be a positive integer")
    if provider.timeout <= 0:
        report((*base, "timeout"), "must be a positive number of seconds")
    if provider.thinking_budget is not None and provider.thinking_budget < 1024:
        report((*base, "thinking_budget"), "must be at least 1024 tokens")
    if provider.base_url is not None:
        check_url(provider.base_url, (*base, "base_url"), report)
    _check_headers(provider, base, report)
    _check_retry(provider, base, report)
    _check_breaker(provider, base, report)
    for index, fallback in enumerate(provider.fallbacks):
        if fallback not in providers:
            report(
                (*base, "fallbacks", index),
                f"unknown provider {fallback!r} (configured: {', '.join(sorted(providers))})",
            )
        elif fallback == pid:
            report((*base, "fallbacks", index), "a provider cannot fall back to itself")


def _check_headers(provider: ProviderConfig, base: Path, report: Report) -> None:
    """Header names are HTTP tokens; values hold no CR, LF or NUL (no header injection)."""
    for name, value in provider.headers.items():
        if not _HEADER_NAME.fullmatch(name):
            report((*base, "headers", name), "is not a valid HTTP header name")
        elif _HEADER_BAD_CHARS.search(value):
            report(
                (*base, "headers", name), "must not contain a line break or NUL (value not shown)"
            )


def _check_retry(provider: ProviderConfig, base: Path, report: Report) -> None:
    retry = provider.retry
    if retry.max_retries < 0:
        report((*base, "retry", "max_retries"), "must not be negative")
    if retry.initial_delay < 0 or retry.max_delay < 0 or retry.max_retry_after < 0:
        report((*base, "retry"), "delays must not be negative")
    if not 0 <= retry.jitter <= 1:
        report((*base, "retry", "jitter"), "must be between 0 and 1")


def _check_breaker(provider: ProviderConfig, base: Path, report: Report) -> None:
    breaker = provider.circuit_breaker
    if breaker is None:
        return
    where = (*base, "circuit_breaker")
    if breaker.failure_threshold < 1:
        report((*where, "failure_threshold"), "must be at least 1")
    if breaker.half_open_max_calls < 1:
        report((*where, "half_open_max_calls"), "must be at least 1")
    if breaker.recovery_time < 0:
        report((*where, "recovery_time"), "must not be negative")


def check_url(url: str, path: Path, report: Report) -> None:
    """An http(s) URL with no credentials in it (user info or a key-like query parameter)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        has_user = parts.username is not None or parts.password is not None
    except ValueError:
        report(path, "is not a valid URL")
        return
    if parts.scheme not in ("http", "https") or not hostname:
        report(path, "must be an http:// or https:// URL")
        return
    if has_user:
        report(path, "must not contain credentials; use api_key")
        return
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if sensitive_name(name) or name.lower() in _CREDENTIAL_PARAMS:
            report(
                path,
                f"must not carry a credential in its query string (parameter {name[:40]!r}); "
                "use api_key or headers",
            )
            return


def warn_insecure(config: OrchestifyConfig) -> None:
    """Log a WARNING for each provider that would send its key unencrypted over the network."""
    for pid, provider in config.providers.providers.items():
        if provider.base_url is None or not provider.api_key:
            continue
        parts = urlsplit(provider.base_url)
        host = parts.hostname or ""
        if parts.scheme == "http" and not _is_loopback(host):
            logger.warning(
                "provider %s: base_url is plain http:// to %s; its API key would be sent "
                "unencrypted (use https://, or a loopback address for a local server)",
                pid,
                host,
            )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
