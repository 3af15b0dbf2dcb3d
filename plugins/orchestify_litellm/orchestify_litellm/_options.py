"""The ``options:`` of a ``litellm`` provider, and the arguments every call gets.

:class:`LiteLLMOptions` is the typed ``options:`` mapping (the core structures the YAML into
it, so a bad option is a ``ConfigError`` at its key). Three options configure the plugin
(``litellm_log_level``, ``litellm_debug_info``, ``litellm_callbacks``; see ``_import``); the
others are LiteLLM arguments: ``drop_params`` (default true, so a parameter a model does not
take is dropped by LiteLLM instead of failing the call), ``api_version`` (Azure),
``custom_llm_provider``, and ``params`` for any other keyword argument of
``litellm.acompletion`` (``vertex_project``, ``aws_region_name``, ``ssl_verify``, ...).

:class:`CallSettings` is a provider's config and options as the keyword arguments of every
call: ``base_url`` -> ``api_base``, ``api_key`` -> ``api_key``, ``headers`` ->
``extra_headers``, ``organization`` -> ``organization``, ``project`` -> the
``OpenAI-Project`` header. LiteLLM's own retries are always off (``num_retries=0``,
``max_retries=0``): the core's retry loop is the only one.

Neither ``params`` nor a call's ``extra`` can set what the layer owns (the key, the
endpoint, retries, the timeout, the model, the messages, streaming).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import attrs

from orchestify_core.plugin import PromptCacheMode, PromptCacheTTL, ProviderContext

__all__ = ["LOG_LEVELS", "RESERVED", "CallSettings", "LiteLLMOptions", "check_reserved"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
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
        "client",
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


def check_reserved(keys: Mapping[str, Any], where: str) -> str | None:
    """The first key of ``keys`` the layer owns, as ``where.key: cannot be set here
    (hint)``, or None."""
    for key in keys:
        if key in RESERVED:
            hint = _RESERVED_HINT.get(key, "the layer sets it")
            return f"{where}.{key}: cannot be set here ({hint})"
    return None


def _upper(value: str) -> str:
    return value.upper()


def _no_reserved(_: object, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    problem = check_reserved(value, "params")
    if problem is not None:  # the attribute lets the core report it at options.params
        raise ValueError(problem, attribute)


@attrs.frozen
class LiteLLMOptions:
    """The ``options:`` of a ``litellm`` provider.

    Attributes:
        litellm_log_level: Level of LiteLLM's own loggers (``DEBUG`` ... ``CRITICAL``).
        litellm_debug_info: LiteLLM's "Give Feedback / Get Help" prints.
        litellm_callbacks: Whether LiteLLM's logging callbacks run for this provider.
        drop_params: LiteLLM drops the parameters a model does not take.
        api_version: The API version (Azure OpenAI).
        custom_llm_provider: The LiteLLM provider to route every model to.
        params: Any other keyword argument of ``litellm.acompletion``.
        prompt_cache: ``auto`` places prompt-cache breakpoints on the stable prefix (sent
            to Claude backends as ``cache_control``); ``off`` (default): the caller's only.
        prompt_cache_ttl: The TTL of the automatic breakpoints: ``5m`` (default) or ``1h``.
        prompt_cache_key: OpenAI's ``prompt_cache_key``, sent to the other backends.
    """

    litellm_log_level: str = attrs.field(
        default="CRITICAL", converter=_upper, validator=attrs.validators.in_(LOG_LEVELS)
    )
    litellm_debug_info: bool = False
    litellm_callbacks: bool = False
    drop_params: bool = True
    api_version: str | None = None
    custom_llm_provider: str | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict, validator=_no_reserved)
    prompt_cache: PromptCacheMode = attrs.field(
        default=PromptCacheMode.OFF, converter=PromptCacheMode
    )
    prompt_cache_ttl: PromptCacheTTL = attrs.field(
        default=PromptCacheTTL.FIVE_MINUTES, converter=PromptCacheTTL
    )
    prompt_cache_key: str | None = None

    @property
    def log_level(self) -> int:
        """``litellm_log_level`` as a :mod:`logging` level."""
        level: int = logging.getLevelNamesMapping()[self.litellm_log_level]
        return level


@attrs.frozen
class CallSettings:
    """The per-provider arguments of every ``litellm.acompletion`` call.

    Attributes:
        api_key: The key, handed to LiteLLM as ``api_key``; never shown by ``repr``.
        options: The provider's typed options.
    """

    api_key: str | None = attrs.field(repr=False)
    api_base: str | None
    extra_headers: Mapping[str, str]
    organization: str | None
    options: LiteLLMOptions

    @classmethod
    def of(cls, provider: ProviderContext) -> CallSettings:
        """The settings of a provider, from its config and typed options."""
        config = provider.config
        headers = dict(config.headers)
        if config.project:
            headers.setdefault("OpenAI-Project", config.project)
        options: LiteLLMOptions = provider.options
        organization = options.params.get("organization", config.organization)
        return cls(
            api_key=config.api_key.get_secret_value() if config.api_key else None,
            api_base=config.base_url,
            extra_headers=headers,
            organization=organization if isinstance(organization, str) else None,
            options=options,
        )

    @property
    def custom_llm_provider(self) -> str | None:
        return self.options.custom_llm_provider

    def call_kwargs(self) -> dict[str, Any]:
        """The keyword arguments this provider adds to every call (the timeout is the
        request's: see ``_request.build_params``)."""
        options = self.options
        kwargs: dict[str, Any] = {"drop_params": options.drop_params, **options.params}
        for name in ("api_version", "custom_llm_provider"):
            value = getattr(options, name)
            if value is not None:
                kwargs[name] = value
        if self.organization:
            kwargs["organization"] = self.organization
        kwargs.update(num_retries=0, max_retries=0)
        if self.api_key:
            kwargs["api_key"] = self.api_key
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.extra_headers:
            kwargs["extra_headers"] = dict(self.extra_headers)
        if not options.litellm_callbacks:
            kwargs["no-log"] = True
        return kwargs
