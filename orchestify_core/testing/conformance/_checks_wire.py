"""Checks of what reached the wire: each request field the provider claims, in the
protocol's own shape, read from the loopback server's record of the request."""

from __future__ import annotations

from typing import Any

import pytest

from orchestify_core import ImagePart, LLMMessage, LLMProvider, TextPart
from orchestify_core.testing.servers import LoopbackServer, Reply

from ._base import SuiteBase, user
from ._checks_answers import PNG, WEATHER_TOOL

__all__ = ["WireChecks"]

SYSTEM_PROMPT = "You answer in French, tersely. (conformance system prompt)"
STOP = ["<END>", "###"]
CLOCK_TOOL = {
    "name": "get_time",
    "description": "The current time in a time zone",
    "input_schema": {
        "type": "object",
        "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}},
        "required": ["zone"],
    },
}
EXTRA = {"conformance_extra": {"nested": [1, "two"]}}
HEADER = ("x-conformance-header", "present-in-every-request")


class WireChecks(SuiteBase):
    """System prompt, stop, temperature, max_tokens, tools, tool_choice, images,
    thinking budget, extra body keys and the config's headers, as the server saw them."""

    def _claim(self, name: str) -> None:
        if self.server_factory("unused") is None:
            pytest.skip("the provider reaches no server: there is no wire to read")
        if not getattr(self.claimed, name):
            pytest.skip(f"the provider does not claim {name}")

    async def _send(
        self, provider: LLMProvider, server: LoopbackServer | None, **kwargs: Any
    ) -> dict[str, Any]:
        """Complete once with ``kwargs``; the body of the request, as the server read it."""
        messages = kwargs.pop("messages", None) or user("What reached the wire?")
        self.script(provider, server, Reply("ok"))
        await provider.complete(messages, **kwargs)
        return dict(self.last_body(server))

    async def test_wire_system_prompt(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A system message arrives where the protocol puts the system prompt."""
        self._claim("system_prompt")
        messages = [LLMMessage(role="system", content=SYSTEM_PROMPT), *user("Bonjour?")]
        body = await self._send(provider, server, messages=messages)
        assert self.wire_format().system(body) == SYSTEM_PROMPT

    async def test_wire_stop(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """``stop=`` arrives as the protocol's stop sequences."""
        self._claim("stop")
        body = await self._send(provider, server, stop=STOP)
        assert self.wire_format().stop(body) == STOP

    async def test_wire_temperature(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """``temperature=`` arrives as it was given."""
        self._claim("temperature")
        body = await self._send(provider, server, temperature=0.25)
        assert self.wire_format().temperature(body) == 0.25

    async def test_wire_max_tokens(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """``max_tokens=`` arrives as the output limit."""
        self._claim("max_tokens")
        body = await self._send(provider, server, max_tokens=321)
        assert self.wire_format().max_tokens(body) == 321

    async def test_wire_tool_schemas(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Each tool arrives with its name, description and JSON schema unchanged."""
        self._claim("tools")
        body = await self._send(provider, server, tools=[WEATHER_TOOL, CLOCK_TOOL])
        expected = {
            tool["name"]: (tool["description"], tool["input_schema"])
            for tool in (WEATHER_TOOL, CLOCK_TOOL)
        }
        assert self.wire_format().tools(body) == expected

    async def test_wire_tool_choice(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """``tool_choice="<name>"`` arrives as the protocol's forced-tool choice."""
        self._claim("tools")
        self._claim("tool_choice")
        tools = [WEATHER_TOOL, CLOCK_TOOL]
        body = await self._send(provider, server, tools=tools, tool_choice="get_time")
        assert self.wire_format().forced_tool(body) == "get_time"

    async def test_wire_image(self, provider: LLMProvider, server: LoopbackServer | None) -> None:
        """An inline image arrives in a user message, in the protocol's image shape."""
        self._claim("vision")
        image = ImagePart(media_type="image/png", data=PNG)
        message = LLMMessage(role="user", content=[TextPart("What is this?"), image])
        body = await self._send(provider, server, messages=[message])
        assert self.wire_format().images(body) == [("image/png", PNG)]

    async def test_wire_thinking_budget(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """``thinking=True, thinking_budget=N`` arrives as a budget of N tokens."""
        self._claim("thinking")
        self._claim("thinking_budget")
        body = await self._send(
            provider, server, thinking=True, thinking_budget=2048, max_tokens=8000
        )
        assert self.wire_format().thinking_budget(body) == 2048

    async def test_wire_extra_body(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A call's ``extra=`` key arrives in the request body, its value unchanged."""
        self._claim("extra_body")
        body = await self._send(provider, server, extra=EXTRA)
        assert body.get("conformance_extra") == EXTRA["conformance_extra"]

    async def test_wire_config_headers(self, server: LoopbackServer | None, api_key: str) -> None:
        """The config's ``headers:`` arrive with every request, completions and streams."""
        self._claim("headers")
        assert server is not None
        name, value = HEADER
        provider = self.build(server.base_url, api_key, headers={name: value})
        try:
            self.script(provider, server, Reply("one"), Reply("two", chunk_count=2))
            await provider.complete(user("headers"))
            async for _ in provider.stream(user("headers")):
                pass
        finally:
            await provider.aclose()
        requests = self.generation_requests(server)
        assert len(requests) == 2
        assert [r.headers.get(name) for r in requests] == [value, value]
