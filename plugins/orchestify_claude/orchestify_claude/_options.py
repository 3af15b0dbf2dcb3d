"""The ``options:`` of an ``anthropic`` provider, as the core structures them.

The core refuses unknown keys (with a close match suggested) and values of the wrong type
(``send_temperature: "yes"`` is not a bool), reporting ``file:line:
providers.ID.options.KEY: ...``; the instance is ``provider.options`` in every hook.
"""

from __future__ import annotations

import attrs

__all__ = ["ClaudeOptions"]


@attrs.frozen
class ClaudeOptions:
    """The provider's ``options:``.

    Attributes:
        send_temperature: Send ``temperature`` in the request body. The Messages API
            version the SDK speaks has no sampling parameters, so it is not sent by
            default; set this for an endpoint that still takes it.
    """

    send_temperature: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
