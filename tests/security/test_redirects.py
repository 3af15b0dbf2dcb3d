"""No credential follows a redirect to another host."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web

from orchestify_core import AuthenticationError, LLMMessage, ProviderRegistry, loads_config
from orchestify_core.testing.servers import AnthropicServer, OpenAIServer

KEY = "sk-redirect-canary"


@pytest_asyncio.fixture
async def redirector() -> AsyncIterator[tuple[str, list[web.Request]]]:
    """A server on 127.0.0.1 that redirects every request to 127.0.0.2 (another host)."""
    seen: list[web.Request] = []
    target: dict[str, str] = {}

    async def bounce(request: web.Request) -> web.Response:
        seen.append(request)
        raise web.HTTPTemporaryRedirect(target["root"] + request.path)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bounce)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen, target  # type: ignore[misc]
    await runner.cleanup()


@pytest.mark.parametrize(
    ("plugin", "ptype", "model", "server_class", "suffix"),
    [
        ("orchestify_claude", "anthropic", "claude-haiku-4-5", AnthropicServer, ""),
        ("orchestify_openai", "openai", "gpt-4o-mini", OpenAIServer, "/v1"),
    ],
)
async def test_key_does_not_follow_cross_host_redirect(
    redirector, plugin: str, ptype: str, model: str, server_class: type, suffix: str
) -> None:  # type: ignore[no-untyped-def]
    """A base_url that redirects to another host never hands that host the key."""
    if importlib.util.find_spec(plugin) is None:
        pytest.skip(f"{plugin} is not installed")
    base, seen, target = redirector
    async with server_class(host="127.0.0.2", api_key=KEY) as elsewhere:
        target["root"] = elsewhere.root_url
        config = loads_config(
            f"providers:\n  p:\n    type: {ptype}\n    api_key: {KEY}\n"
            f"    default_model: {model}\n    base_url: {base}{suffix}\n"
            "    retry: {max_retries: 0}\n"
        )
        registry = ProviderRegistry.from_config(config)
        # The other host answers 401 (it got no key): that is the point.
        with pytest.raises(AuthenticationError):
            await registry.get("p").complete([LLMMessage(role="user", content="hi")])
        await registry.aclose()
        assert seen, "the redirecting server was not reached"
        assert elsewhere.requests, "the SDK did not follow the redirect"
        leaked = [
            f"{r.path}: {name}"
            for r in elsewhere.requests
            for name, value in r.headers.items()
            if KEY in value
        ]
        assert leaked == []
