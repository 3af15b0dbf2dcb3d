"""The conformance suite a provider plugin runs against itself.

Subclass :class:`ProviderConformance` in your plugin's tests, say which loopback server
speaks your provider's protocol, what your provider claims, and how to configure it::

    from orchestify_core.testing.conformance import Claims, ProviderConformance

    class TestMyPluginConformance(ProviderConformance):
        protocol = "openai"                # or "anthropic"
        claims = Claims(tools=True, vision=True, thinking=False)

        def provider_settings(self, base_url):
            return {"type": "myprovider", "default_model": "my-model", "base_url": base_url}

pytest then runs every check against a provider built from that config, in a registry
that also holds a ``scripted`` provider, through the real plugin and its real client, over
a real socket to a loopback server that records every request and counts its connections.
The suite needs the ``testing`` extra and pytest-asyncio (it sets the ``asyncio`` marker).

What is checked:

- answers: complete; stream (same text as complete, usage recorded once); the model the
  server says served the call; 50 concurrent calls with exact usage each; tool round trips
  in complete and stream; thinking with its signature sent back (when claimed); images;
  exact usage (cache tokens when claimed) and cost.
- the wire, as the server recorded it: the system prompt, ``stop``, ``temperature``,
  ``max_tokens``, tool schemas, ``tool_choice``, images, the thinking budget, ``extra``
  body keys and the config's headers, each in the protocol's own shape.
- failures: 429 with retry_after, 401, 400, 5xx and 529 with a ``__cause__``;
  ``x-should-retry`` honoured; a refused connection; a timeout; a call's timeout longer
  than the config's; an error inside a stream.
- connections: sequential calls and streams share one pooled connection; ``aclose()``
  leaves none open; a stream cancelled midway is accounted and its connection closed; the
  API key in no log, repr, error, or other header.
- token counts (when the plugin implements ``orchestify_count_tokens``): a count of at least
  one token; more text never fewer, tools more; ``offline=True`` sends nothing and does not
  suspend; a count endpoint's one request, exact (when claimed); a request over the
  model's declared context window refused before sending.
- the model catalog (when the plugin implements ``orchestify_model_catalog``): entries of
  the plugin's type, unique ids; the default model's limits and price as the provider's;
  a model past its end of life deprecated; ``models=[id]`` gives that entry only.

:class:`Claims` fields left out follow ``protocol``. A protocol the core has no loopback
server for: override :meth:`~SuiteBase.server_factory` (your own
:class:`~orchestify_core.testing.servers.LoopbackServer` subclass) and
:meth:`~SuiteBase.wire_format` (a :class:`WireFormat` for its requests). A provider that
reaches no server overrides :meth:`~SuiteBase.script` and :meth:`~SuiteBase.sent_bodies`
with ``protocol = None``. docs/plugin-contract.md has the details.
"""

from __future__ import annotations

from ._base import PEER_ID, PROVIDER_ID, SuiteBase
from ._checks_answers import AnswerChecks
from ._checks_connections import ConnectionChecks
from ._checks_counting import CatalogChecks, CountingChecks
from ._checks_errors import ErrorChecks
from ._checks_prompt_cache import PromptCacheChecks
from ._checks_wire import WireChecks
from ._claims import PROTOCOL_DEFAULTS, Claims
from ._wire import AnthropicWire, OpenAIWire, WireFormat, wire_format

__all__ = [
    "PEER_ID",
    "PROTOCOL_DEFAULTS",
    "PROVIDER_ID",
    "AnthropicWire",
    "Claims",
    "OpenAIWire",
    "ProviderConformance",
    "WireFormat",
    "wire_format",
]


class ProviderConformance(
    AnswerChecks,
    WireChecks,
    PromptCacheChecks,
    ErrorChecks,
    ConnectionChecks,
    CountingChecks,
    CatalogChecks,
    SuiteBase,
):
    """Every check a provider plugin must pass; subclass it as the module docstring shows."""
