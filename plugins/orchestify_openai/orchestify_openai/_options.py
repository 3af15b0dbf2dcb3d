"""The ``options:`` of an ``openai`` provider, as the core structures them.

::

    providers:
      gpt:
        type: openai
        default_model: o4-mini
        options:
          reasoning_effort: high              # effort of calls with thinking=True (medium)
          max_tokens_param: max_tokens        # force the output-limit parameter's name
          send_defaults: false                # send only what the caller set (see below)
          decode: sdk                         # let the SDK parse answers (default: fast)
          prompt_cache_key: support-bot       # OpenAI's prompt_cache_key on every call
          prompt_cache_retention: 24h         # or in_memory (default: OpenAI's)

The core refuses unknown keys (with a close match suggested) and values of the wrong type
or outside the choices, reporting ``file:line: providers.ID.options.KEY: ...``; the
instance is ``provider.options`` in every hook.

The two choices are enums rather than ``Literal`` strings: the core's converter names the
key of a bad enum value, while a bad ``Literal`` value is reported without a clear reason.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Decode", "MaxTokensParam", "OpenAIOptions", "PromptCacheRetention", "ReasoningEffort"]


class ReasoningEffort(enum.Enum):
    """The ``reasoning_effort`` values OpenAI's reasoning models take."""

    NONE = "none"
    MINIMAL = "minimal"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    XHIGH = "xhigh"
    MAX = "max"


class MaxTokensParam(enum.Enum):
    """The two names the output limit is sent under."""

    MAX_TOKENS = "max_tokens"
    MAX_COMPLETION_TOKENS = "max_completion_tokens"


class Decode(enum.Enum):
    """Who turns the answer's bytes into orchestify's records.

    ``fast``: the plugin reads the raw response the SDK received and decodes its JSON and
    server-sent events itself, straight into the records (the SDK still builds and sends
    the request and raises its errors). ``sdk``: the SDK parses the answer into its own
    objects, which the plugin then translates; ``raw_response`` is then the SDK's
    ``ChatCompletion`` rather than the decoded JSON body.
    """

    FAST = "fast"
    SDK = "sdk"


class PromptCacheRetention(enum.Enum):
    """OpenAI's ``prompt_cache_retention``: how long a cached prefix may be kept."""

    IN_MEMORY = "in_memory"
    HOURS_24 = "24h"


@attrs.frozen
class OpenAIOptions:
    """The provider's ``options:``.

    Attributes:
        reasoning_effort: The ``reasoning_effort`` sent when a call asks for thinking.
        max_tokens_param: The name the output limit is sent under; None picks it per model
            (``max_completion_tokens`` for reasoning and newer models, else ``max_tokens``).
        send_defaults: Send ``temperature``, the output limit and ``stop`` even when the
            caller did not set them (the config's defaults). False leaves the ones the
            caller did not set out of the request, for OpenAI-compatible servers and
            models that refuse them.
        decode: ``fast`` (the default) or ``sdk``; see :class:`Decode`.
        prompt_cache_key: Sent as ``prompt_cache_key`` with every call, so that OpenAI
            routes requests sharing a prefix to the same cache (a call's
            ``extra={"prompt_cache_key": ...}`` wins). OpenAI caches prompt prefixes by
            itself: prompt-cache marks on parts and tools are not sent.
        prompt_cache_retention: Sent as ``prompt_cache_retention`` (``in_memory`` or
            ``24h``); None leaves it to OpenAI.
    """

    reasoning_effort: ReasoningEffort = attrs.field(
        default=ReasoningEffort.MEDIUM, converter=ReasoningEffort
    )
    max_tokens_param: MaxTokensParam | None = attrs.field(
        default=None, converter=attrs.converters.optional(MaxTokensParam)
    )
    send_defaults: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    decode: Decode = attrs.field(default=Decode.FAST, converter=Decode)
    prompt_cache_key: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str))
    )
    prompt_cache_retention: PromptCacheRetention | None = attrs.field(
        default=None, converter=attrs.converters.optional(PromptCacheRetention)
    )
