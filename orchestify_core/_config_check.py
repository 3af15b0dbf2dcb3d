"""Checks of a structured config that types alone cannot express, and load-time warnings."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlsplit

from ._config_model import OrchestifyConfig, ProviderConfig
from ._config_secrets import sensitive_name
from ._paths import Path
from .errors import ConfigError

__all__ = ["check", "warn_insecure"]

logger = logging.getLogger("orchestify_core.config")

Fail = Callable[[Path, str], ConfigError]

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_BAD_CHARS = re.compile(r"[\r\n\0]")

#: Query parameters that carry credentials without looking like one (Azure SAS, signed URLs).
_CREDENTIAL_PARAMS = {"sig", "signature", "code", "access_token", "x-amz-signature"}


def check(config: OrchestifyConfig, fail: Fail) -> None:
    """Raise the first problem found, as ``fail(path, reason)``."""
    providers = config.providers.providers
    for pid, provider in providers.items():
        _check_provider(pid, provider, providers, fail)
    for aid, agent in config.agents.agents.items():
        if agent.provider not in providers:
            raise fail(
                ("agents", aid, "provider"),
                f"unknown provider {agent.provider!r} "
                f"(configured: {', '.join(sorted(providers)) or 'none'})",
            )
        if agent.max_tokens is not None and agent.max_tokens <= 0:
            raise fail(("agents", aid, "max_tokens"), "must be a positive integer")


def _check_provider(
    pid: str, provider: ProviderConfig, providers: Mapping[str, ProviderConfig], fail: Fail
) -> None:
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
        check_url(provider.base_url, (*base, "base_url"), fail)
    _check_headers(provider, base, fail)
    _check_retry(provider, base, fail)
    _check_breaker(provider, base, fail)
    for index, fallback in enumerate(provider.fallbacks):
        if fallback not in providers:
            raise fail(
                (*base, "fallbacks", index),
                f"unknown provider {fallback!r} (configured: {', '.join(sorted(providers))})",
            )
        if fallback == pid:
            raise fail((*base, "fallbacks", index), "a provider cannot fall back to itself")


def _check_headers(provider: ProviderConfig, base: Path, fail: Fail) -> None:
    """Header names are HTTP tokens; values hold no CR, LF or NUL (no header injection)."""
    for name, value in provider.headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise fail((*base, "headers", name), "is not a valid HTTP header name")
        if _HEADER_BAD_CHARS.search(value):
            raise fail(
                (*base, "headers", name), "must not contain a line break or NUL (value not shown)"
            )


def _check_retry(provider: ProviderConfig, base: Path, fail: Fail) -> None:
    retry = provider.retry
    if retry.max_retries < 0:
        raise fail((*base, "retry", "max_retries"), "must not be negative")
    if retry.initial_delay < 0 or retry.max_delay < 0 or retry.max_retry_after < 0:
        raise fail((*base, "retry"), "delays must not be negative")
    if not 0 <= retry.jitter <= 1:
        raise fail((*base, "retry", "jitter"), "must be between 0 and 1")


def _check_breaker(provider: ProviderConfig, base: Path, fail: Fail) -> None:
    breaker = provider.circuit_breaker
    if breaker is None:
        return
    where = (*base, "circuit_breaker")
    if breaker.failure_threshold < 1:
        raise fail((*where, "failure_threshold"), "must be at least 1")
    if breaker.half_open_max_calls < 1:
        raise fail((*where, "half_open_max_calls"), "must be at least 1")
    if breaker.recovery_time < 0:
        raise fail((*where, "recovery_time"), "must not be negative")


def check_url(url: str, path: Path, fail: Fail) -> None:
    """An http(s) URL with no credentials in it (user info or a key-like query parameter)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        has_user = parts.username is not None or parts.password is not None
    except ValueError:
        raise fail(path, "is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise fail(path, "must be an http:// or https:// URL")
    if has_user:
        raise fail(path, "must not contain credentials; use api_key")
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        if sensitive_name(name) or name.lower() in _CREDENTIAL_PARAMS:
            raise fail(
                path,
                f"must not carry a credential in its query string (parameter {name[:40]!r}); "
                "use api_key or headers",
            )


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
