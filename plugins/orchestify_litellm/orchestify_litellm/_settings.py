"""A provider's config as the arguments every ``litellm.acompletion`` call gets.

- ``base_url`` -> ``api_base``; ``api_key`` -> ``api_key``; ``timeout`` -> ``timeout``;
  ``headers`` -> ``extra_headers``; ``organization`` -> ``organization``; ``project`` ->
  the ``OpenAI-Project`` header.
- ``options`` are passed to litellm as keyword arguments (``api_version`` for Azure,
  ``custom_llm_provider``, ``drop_params``, ``vertex_project``, ...), except the plugin's own
  ``litellm_log_level``, ``litellm_debug_info`` and ``litellm_callbacks`` (see ``_import``).
- LiteLLM's own retries are always off (``num_retries=0``, ``max_retries=0``): the core's
  retry loop is the only one. ``drop_params`` defaults to true, so that a parameter a model
  does not take (a temperature for an o-series model) is dropped by litellm rather than
  failing the call.

Options cannot set what the layer owns (the key, the endpoint, retries, the timeout, the
model, the messages, streaming); a config that tries is a :class:`ConfigError`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import attrs

from orchestify_core.config import ProviderConfig
from orchestify_core.errors import ConfigError

from ._import import Quiet

__all__ = ["RESERVED", "CallSettings", "check_reserved", "settings_from_config"]

RESERVED = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "api_key",
        "api_base",
        "base_url",
        "num_retries",
        "max_retries",
        "timeout",
        "extra_headers",
        "no-log",
    }
)
_RESERVED_HINT = {
    "api_key": "use the provider's api_key",
    "api_base": "use the provider's base_url",
    "base_url": "use the provider's base_url",
    "num_retries": "retries are the provider's retry: settings",
    "max_retries": "retries are the provider's retry: settings",
    "timeout": "use the provider's timeout",
    "extra_headers": "use the provider's headers",
    "no-log": "use litellm_callbacks",
}
_PLUGIN_OPTIONS = frozenset({"litellm_log_level", "litellm_debug_info", "litellm_callbacks"})


@attrs.frozen
class CallSettings:
    """The per-provider arguments of every litellm call.

    Attributes:
        api_key: The key, handed to litellm as ``api_key``; never shown by ``repr``.
        passthrough: The ``options`` forwarded to litellm unchanged.
        quiet: How quiet litellm is kept.
    """

    api_key: str | None = attrs.field(repr=False)
    api_base: str | None
    timeout: float
    extra_headers: Mapping[str, str]
    passthrough: Mapping[str, Any]
    quiet: Quiet
    custom_llm_provider: str | None = None

    def call_kwargs(self) -> dict[str, Any]:
        """The keyword arguments this provider adds to every ``acompletion`` call."""
        kwargs: dict[str, Any] = {"drop_params": True, **self.passthrough}
        kwargs.update(num_retries=0, max_retries=0, timeout=self.timeout)
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.extra_headers:
            kwargs["extra_headers"] = dict(self.extra_headers)
        if not self.quiet.callbacks:
            kwargs["no-log"] = True
        return kwargs


def check_reserved(keys: Mapping[str, Any], where: str) -> str | None:
    """The first key of ``keys`` the layer owns, with a hint, or None."""
    for key in keys:
        if key in RESERVED:
            hint = _RESERVED_HINT.get(key, "the layer sets it")
            return f"{where}.{key}: cannot be set here ({hint})"
    return None


def _bool(options: Mapping[str, Any], key: str, path: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError("expected true or false", path=f"{path}.{key}")
    return value


def _level(options: Mapping[str, Any], path: str) -> int:
    value = options.get("litellm_log_level", "CRITICAL")
    level = logging.getLevelName(value.upper()) if isinstance(value, str) else None
    if not isinstance(level, int):
        raise ConfigError(
            "expected a logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL",
            path=f"{path}.litellm_log_level",
        )
    return level


def settings_from_config(provider_id: str, config: ProviderConfig) -> CallSettings:
    """Read a provider's config; raise :class:`ConfigError` for options the layer owns."""
    path = f"providers.{provider_id}.options"
    options = dict(config.options)
    problem = check_reserved(options, path)
    if problem is not None:
        where, _, reason = problem.partition(": ")
        raise ConfigError(reason, path=where)
    quiet = Quiet(
        log_level=_level(options, path),
        debug_info=_bool(options, "litellm_debug_info", path),
        callbacks=_bool(options, "litellm_callbacks", path),
    )
    passthrough = {k: v for k, v in options.items() if k not in _PLUGIN_OPTIONS}
    if config.organization and "organization" not in passthrough:
        passthrough["organization"] = config.organization
    headers = dict(config.headers)
    if config.project:
        headers.setdefault("OpenAI-Project", config.project)
    custom = passthrough.get("custom_llm_provider")
    if custom is not None and not isinstance(custom, str):
        raise ConfigError("expected a LiteLLM provider name", path=f"{path}.custom_llm_provider")
    return CallSettings(
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        api_base=config.base_url,
        timeout=config.timeout,
        extra_headers=headers,
        passthrough=passthrough,
        quiet=quiet,
        custom_llm_provider=custom,
    )
