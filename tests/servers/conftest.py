"""Clients of the real SDKs pointed at the loopback servers.

The ``anthropic_server`` / ``openai_server`` fixtures come from
``orchestify_core.testing.fixtures``, which the top-level conftest enables.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
import openai
import pytest
import pytest_asyncio

from orchestify_core.testing.servers import AnthropicServer, OpenAIServer

__all__ = ["anthropic_client", "api_key", "openai_client"]

API_KEY = "sk-loopback-test-0123456789"


@pytest.fixture
def api_key() -> str:
    """The key the SDK clients are built with."""
    return API_KEY


@pytest_asyncio.fixture
async def anthropic_client(
    anthropic_server: AnthropicServer,
) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """The raw Anthropic SDK against the loopback server, without retries."""
    async with anthropic.AsyncAnthropic(
        api_key=API_KEY, base_url=anthropic_server.base_url, max_retries=0
    ) as client:
        yield client


@pytest_asyncio.fixture
async def openai_client(openai_server: OpenAIServer) -> AsyncIterator[openai.AsyncOpenAI]:
    """The raw OpenAI SDK against the loopback server, without retries."""
    async with openai.AsyncOpenAI(
        api_key=API_KEY, base_url=openai_server.base_url, max_retries=0
    ) as client:
        yield client
