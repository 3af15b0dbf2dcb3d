"""The ``options:`` of an ``anthropic`` provider, as the core structures them.

The core refuses unknown keys (with a close match suggested) and values of the wrong type
(``send_temperature: "yes"`` is not a bool), reporting ``file:line:
providers.ID.options.KEY: ...``; the instance is ``provider.options`` in every hook.
"""

from __future__ import annotations

import enum

import attrs

from orchestify_core.plugin import PromptCacheMode, PromptCacheTTL

__all__ = ["ClaudeOptions", "Decode"]


class Decode(enum.Enum):
    """Who turns the answer's bytes into orchestify's records.

    ``fast``: the plugin reads the raw response the SDK received and decodes its JSON and
    server-sent events itself, straight into the records (the SDK still builds and sends
    the request and raises its errors). ``sdk``: the SDK parses the answer into its own
    objects, which the plugin then translates; ``raw_response`` is then the SDK's
    ``Message`` rather than the decoded JSON body.
    """

    FAST = "fast"
    SDK = "sdk"


@attrs.frozen
class ClaudeOptions:
    """The provider's ``options:``.

    Attributes:
        send_temperature: Send ``temperature`` in the request body. The Messages API
            version the SDK speaks has no sampling parameters, so it is not sent by
            default; set this for an endpoint that still takes it.
        decode: ``fast`` (the default) or ``sdk``; see :class:`Decode`.
        prompt_cache: ``auto`` places prompt-cache breakpoints on the stable prefix of
            every request (the last tool, the system prompt, the earlier turns); ``off``
            (the default) sends only the marks the caller put. A call's
            ``extra={"prompt_cache": ...}`` wins.
        prompt_cache_ttl: The TTL of the automatic breakpoints: ``5m`` (default) or ``1h``.
    """

    send_temperature: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    decode: Decode = attrs.field(default=Decode.FAST, converter=Decode)
    prompt_cache: PromptCacheMode = attrs.field(
        default=PromptCacheMode.OFF, converter=PromptCacheMode
    )
    prompt_cache_ttl: PromptCacheTTL = attrs.field(
        default=PromptCacheTTL.FIVE_MINUTES, converter=PromptCacheTTL
    )
