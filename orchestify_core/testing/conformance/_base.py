"""The suite's fixtures and the methods a plugin's test class overrides.

Every provider the suite builds lives in a registry beside a second provider of another
type (``scripted``), so a plugin that answers for a type it does not own, or that shares
state across types, is caught by the checks that use it.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

import pytest
import pytest_asyncio

from orchestify_core import LLMMessage, LLMProvider, ProviderRegistry
from orchestify_core._dispatch import PluginHost
from orchestify_core.config import parse_config
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import LoopbackServer, RecordedRequest, Reply, server_class

from ._claims import Claims
from ._wire import WireFormat, wire_format

__all__ = ["PEER_ID", "PROVIDER_ID", "SuiteBase", "free_port", "user"]

PROVIDER_ID = "conformance"
PEER_ID = "conformance_peer"
"""A ``scripted`` provider in the same registry as the one under test."""


def free_port() -> int:
    """A port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def user(text: str) -> list[LLMMessage]:
    return [LLMMessage(role="user", content=text)]


class SuiteBase:
    """What every check builds on; see :class:`ProviderConformance` for how to use it."""

    #: The loopback server speaking the provider's wire protocol (``"anthropic"``,
    #: ``"openai"``, a name of your own with :meth:`server_factory`), or None for no server.
    protocol: ClassVar[str | None] = None
    #: What the provider claims; fields left None follow ``protocol``.
    claims: ClassVar[Claims] = Claims()
    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.asyncio]

    # ------------------------------------------------------------------ to override

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        """The provider's YAML settings (without ``api_key``) pointing at ``base_url``."""
        raise NotImplementedError("a conformance subclass defines provider_settings()")

    def server_factory(self, api_key: str) -> LoopbackServer | None:
        """The fake server the provider talks to, not yet started (the suite starts it).

        The default is the core's loopback server of :attr:`protocol`. A plugin whose
        protocol the core has no server for returns its own :class:`LoopbackServer`
        subclass here and overrides :meth:`wire_format` to read its requests.
        """
        if self.protocol is None:
            return None
        return server_class(self.protocol)(api_key=api_key)

    def wire_format(self) -> WireFormat:
        """Where the protocol puts each request field (for the checks of the wire)."""
        assert self.protocol is not None, "a suite without a server reads no wire"
        return wire_format(self.protocol)

    def plugin_manager(self) -> PluginHost:
        """The plugin manager of the registry (installed plugins load from entry points)."""
        return create_plugin_manager()

    def script(self, provider: LLMProvider, server: LoopbackServer | None, *replies: Reply) -> None:
        """Make the provider answer the next requests with ``replies``."""
        assert server is not None, "override script() for a provider without a server"
        server.enqueue(*replies)

    def sent_bodies(self, provider: LLMProvider, server: LoopbackServer | None) -> list[str]:
        """What the provider sent, as JSON text, one entry per generation request."""
        assert server is not None, "override sent_bodies() for a provider without a server"
        return [json.dumps(r.body) for r in self.generation_requests(server)]

    # ------------------------------------------------------------------ helpers

    @property
    def claimed(self) -> Claims:
        """:attr:`claims` with the protocol's defaults filled in."""
        return self.claims.resolved(self.protocol)

    def generation_requests(self, server: LoopbackServer) -> list[RecordedRequest]:
        """The recorded generation requests (model lists and the like left out)."""
        paths = self.wire_format().generation_paths
        return [r for r in server.requests if not paths or r.path in paths]

    def last_body(self, server: LoopbackServer | None) -> Mapping[str, Any]:
        """The JSON body of the last generation request the server received."""
        if server is None:
            pytest.skip("the provider reaches no server: there is no wire to read")
        requests = self.generation_requests(server)
        assert requests, "the provider sent no generation request to the server"
        body = requests[-1].body
        assert isinstance(body, Mapping), "the request body is not a JSON object"
        return body

    def settings(self, base_url: str | None, api_key: str, **overrides: Any) -> dict[str, Any]:
        return {
            **self.provider_settings(base_url),
            "api_key": Secret(api_key),
            "retry": {"max_retries": 0},
            "timeout": 10.0,
            **overrides,
        }

    def build_registry(
        self, base_url: str | None, api_key: str, **overrides: Any
    ) -> ProviderRegistry:
        """A registry holding the provider under test and a scripted peer."""
        providers = {
            PROVIDER_ID: self.settings(base_url, api_key, **overrides),
            PEER_ID: {"type": "scripted", "default_model": "scripted-peer"},
        }
        config = parse_config([({"providers": providers}, {})])
        return ProviderRegistry.from_config(config, plugin_manager=self.plugin_manager())

    def build(self, base_url: str | None, api_key: str, **overrides: Any) -> LLMProvider:
        return self.build_registry(base_url, api_key, **overrides).get(PROVIDER_ID)

    def base_url_of(self, server: LoopbackServer | None) -> str | None:
        return server.base_url if server is not None else None

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def api_key(self) -> str:
        """A canary key: it must never show anywhere but in its own header."""
        return f"sk-canary-{uuid.uuid4()}"

    @pytest_asyncio.fixture
    async def server(self, api_key: str) -> AsyncIterator[LoopbackServer | None]:
        server = self.server_factory(api_key)
        if server is None:
            yield None
            return
        async with server:
            yield server

    @pytest_asyncio.fixture
    async def registry(
        self, server: LoopbackServer | None, api_key: str
    ) -> AsyncIterator[ProviderRegistry]:
        registry = self.build_registry(self.base_url_of(server), api_key)
        yield registry
        await registry.aclose()

    @pytest.fixture
    def provider(self, registry: ProviderRegistry) -> LLMProvider:
        return registry.get(PROVIDER_ID)

    def unreachable_base_url(self) -> str:
        """A base URL on a port nothing listens on, with the server's API prefix."""
        server = self.server_factory("unused")
        prefix = server.api_prefix if server is not None else ""
        return f"http://127.0.0.1:{free_port()}{prefix}"
