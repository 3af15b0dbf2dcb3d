"""A plugin can run the suite against a fake server of its own: ``server_factory()`` gives
the server, ``wire_format()`` reads its requests.

The server here answers under its own path prefix (``/gateway/v1``) and records its own
requests; the suite's checks (wire, connections, refused connection) all go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from orchestify_core.testing.conformance import Claims, OpenAIWire, ProviderConformance
from orchestify_core.testing.servers import LoopbackServer, OpenAIServer
from orchestify_core.testing.servers._base import Route

SERVED: list[str] = []


class GatewayServer(OpenAIServer):
    """A gateway that serves Chat Completions under ``/gateway/v1``."""

    provider: ClassVar[str] = "gateway"
    api_prefix: ClassVar[str] = "/gateway/v1"

    def routes(self) -> Mapping[tuple[str, str], Route]:
        return {
            (method, path.replace("/v1/", "/gateway/v1/", 1)): route
            for (method, path), route in super().routes().items()
        }


class GatewayWire(OpenAIWire):
    generation_paths = ("/gateway/v1/chat/completions",)


class TestOwnServerConformance(ProviderConformance):
    protocol = "gateway"
    claims = Claims(cache_write=True)

    def server_factory(self, api_key: str) -> LoopbackServer | None:
        server = GatewayServer(api_key=api_key)
        SERVED.append(server.api_prefix)
        return server

    def wire_format(self) -> GatewayWire:
        return GatewayWire()

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "openai", "default_model": "gpt-4o-mini", "base_url": base_url}


def test_the_suite_used_the_own_server() -> None:
    """Runs after the class above (file order): every check's server was the gateway."""
    assert SERVED
    assert set(SERVED) == {"/gateway/v1"}
