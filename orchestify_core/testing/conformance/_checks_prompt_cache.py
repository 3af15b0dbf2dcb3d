"""Checks of prompt-cache marks: each reaches the wire as the protocol's breakpoint, in
reading order, with its TTL; a fifth is refused before anything is sent."""

from __future__ import annotations

import pytest

from orchestify_core import (
    CacheMark,
    LLMMessage,
    LLMProvider,
    RequestValidationError,
    TextPart,
    ToolDefinition,
)
from orchestify_core.testing.servers import LoopbackServer, Reply

from ._base import SuiteBase

__all__ = ["PromptCacheChecks"]

_LONG = "Conformance instructions that a provider may cache. " * 8
_SCHEMA = {"type": "object", "properties": {"zone": {"type": "string"}}}


class PromptCacheChecks(SuiteBase):
    """Prompt-cache marks on a tool, a system block and a message part, as the server saw
    them; the limit of four marks."""

    def _claim_marks(self, server: LoopbackServer | None) -> None:
        if server is None:
            pytest.skip("the provider reaches no server: there is no wire to read")
        if not self.claimed.prompt_cache_marks:
            pytest.skip("the provider does not claim prompt_cache_marks")

    async def test_wire_prompt_cache_marks(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """A 1h tool mark, a 1h system mark and a 5m message mark arrive in that order."""
        self._claim_marks(server)
        tools = [
            ToolDefinition("get_time", "The time", _SCHEMA),
            ToolDefinition("get_zone", "The zone", _SCHEMA, cache=CacheMark("1h")),
        ]
        messages = [
            LLMMessage("system", [TextPart(_LONG, cache=CacheMark("1h"))]),
            LLMMessage("user", [TextPart(_LONG, cache=CacheMark()), TextPart("Now?")]),
        ]
        self.script(provider, server, Reply("ok"))
        await provider.complete(messages, tools=tools)
        body = self.last_body(server)
        hour = {"type": "ephemeral", "ttl": "1h"}
        expected = [hour, hour, {"type": "ephemeral"}]
        assert self.wire_format().cache_breakpoints(body) == expected

    async def test_prompt_cache_fifth_mark_refused(
        self, provider: LLMProvider, server: LoopbackServer | None
    ) -> None:
        """Five marks are one more than Anthropic takes: refused, and nothing is sent."""
        self._claim_marks(server)
        assert server is not None
        before = len(self.generation_requests(server))
        parts = [TextPart(f"part {n}", cache=CacheMark()) for n in range(5)]
        with pytest.raises(RequestValidationError, match="at most 4 prompt-cache marks"):
            await provider.complete([LLMMessage("user", parts)])
        assert len(self.generation_requests(server)) == before
