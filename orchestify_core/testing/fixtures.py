"""pytest fixtures that start a loopback provider server for one test.

Enable them with ``pytest_plugins = ["orchestify_core.testing.fixtures"]`` in a top-level
``conftest.py``; they need pytest-asyncio and the ``testing`` extra (aiohttp).

::

    async def test_hello(anthropic_server):
        anthropic_server.enqueue(Reply(text="hi"))
        client = anthropic.AsyncAnthropic(api_key="k", base_url=anthropic_server.base_url)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from orchestify_core.testing.servers import AnthropicServer, OpenAIServer

__all__ = ["anthropic_server", "openai_server"]


@pytest_asyncio.fixture
async def anthropic_server() -> AsyncIterator[AnthropicServer]:
    """A started :class:`AnthropicServer` on an ephemeral loopback port."""
    async with AnthropicServer() as server:
        yield server


@pytest_asyncio.fixture
async def openai_server() -> AsyncIterator[OpenAIServer]:
    """A started :class:`OpenAIServer` on an ephemeral loopback port."""
    async with OpenAIServer() as server:
        yield server
