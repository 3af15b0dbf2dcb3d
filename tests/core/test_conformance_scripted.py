"""The conformance suite, run on the core's own scripted provider."""

from __future__ import annotations

import math
from typing import Any

from orchestify_core import LLMProvider, OverloadedError, ToolCall, Usage, error_for_status
from orchestify_core.testing.conformance import Claims, ProviderConformance
from orchestify_core.testing.scripted import ScriptedReply
from orchestify_core.testing.servers import LoopbackServer, Reply


def to_scripted(reply: Reply, index: int) -> ScriptedReply:
    """The scripted provider's version of a loopback server's reply."""
    text = reply.text if reply.text is not None else ("" if reply.tool_calls else "echo")
    error = None
    error_after = None
    if reply.status != 200:
        error = error_for_status(reply.status)(
            f"scripted status {reply.status}", status_code=reply.status,
            retry_after=reply.retry_after,
        )  # fmt: skip
    elif reply.stream_error_after is not None:
        error = OverloadedError(reply.error_message or "scripted overload")
        error_after = max(reply.stream_error_after - 2, 0)
    usage = None
    if reply.input_tokens is not None or reply.output_tokens is not None:
        usage = Usage(
            input_tokens=(reply.input_tokens or 0)
            + reply.cache_read_tokens
            + reply.cache_write_tokens,
            output_tokens=reply.output_tokens or 0,
            cache_read_tokens=reply.cache_read_tokens,
            cache_write_tokens=reply.cache_write_tokens,
        )
    chunks = reply.chunk_count or 4
    return ScriptedReply(
        text=text,
        tool_calls=[
            ToolCall(call.id or f"call_{index}_{n}", call.name, call.arguments)
            for n, call in enumerate(reply.tool_calls)
        ],
        thinking=reply.thinking.text if reply.thinking else None,
        signature=reply.thinking.signature if reply.thinking else "",
        usage=usage,
        error=error,
        error_after_chunks=error_after,
        chunk_size=max(math.ceil(len(text) / chunks), 1),
        delay=reply.event_delay,
        model=reply.model,
    )


class TestScriptedConformance(ProviderConformance):
    protocol = None
    claims = Claims(tools=True, thinking=True, vision=True, cache_write=True, network=False)

    def provider_settings(self, base_url: str | None) -> dict[str, Any]:
        return {"type": "scripted", "default_model": "scripted-1"}

    def script(self, provider: LLMProvider, server: LoopbackServer | None, *replies: Reply) -> None:
        provider.client.enqueue(*(to_scripted(r, i) for i, r in enumerate(replies)))

    def sent_bodies(self, provider: LLMProvider, server: LoopbackServer | None) -> list[str]:
        return [repr(request) for request in provider.client.requests]
