"""Loopback servers that speak the Anthropic Messages and OpenAI Chat Completions APIs.

They let the real ``anthropic`` and ``openai`` SDKs run against a local socket in tests,
benchmarks and offline demos::

    from orchestify_core.testing.servers import AnthropicServer, Reply, ToolCallSpec

    async with AnthropicServer() as server:
        server.enqueue(Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Paris"})]))
        client = anthropic.AsyncAnthropic(api_key="test", base_url=server.base_url)

Needs the ``testing`` extra (aiohttp): ``pip install "orchestify-core[testing]"``. Nothing
else in orchestify_core imports this package.
"""

from __future__ import annotations

from ._base import REPLY_HEADER, LoopbackServer
from ._batch_run_openai import BatchPlan
from ._process import Control, ServerProcess
from ._recording import RecordedRequest
from ._registry import PROVIDERS, server_class
from ._script import Reply, ThinkingSpec, ToolCallSpec, reply_from_dict, reply_to_dict
from .anthropic import AnthropicServer
from .openai import OpenAIServer

__all__ = [
    "PROVIDERS",
    "REPLY_HEADER",
    "AnthropicServer",
    "BatchPlan",
    "Control",
    "LoopbackServer",
    "OpenAIServer",
    "RecordedRequest",
    "Reply",
    "ServerProcess",
    "ThinkingSpec",
    "ToolCallSpec",
    "reply_from_dict",
    "reply_to_dict",
    "server_class",
]
