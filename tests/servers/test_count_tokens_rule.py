"""The loopback Anthropic server's count endpoint: its documented rule, over a real socket."""

from __future__ import annotations

import json

import anthropic
import pytest

from orchestify_core.testing.servers import AnthropicServer
from orchestify_core.testing.servers._count_tokens import count_body, count_text


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("tokenisation", 2),  # 12 ASCII letters: 6 a token
        ("Hello there", 2),  # a single space is free
        ("2026", 2),  # digits: 3 a token
        ("a, b!", 4),  # a + , + b + !
        ("line\n\n  indented", 4),  # line + a whitespace run + indented (2)
        ("東京", 2),  # a non-ASCII character is a token
        ("café", 2),  # caf + é
        ("🎉", 1),
        ("", 0),
    ],
)
def test_the_rule(text: str, tokens: int) -> None:
    assert count_text(text) == tokens


def test_a_body_counts_messages_system_tools_and_images() -> None:
    body = {
        "system": "Be brief.",  # Be + brief + . = 3
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hi"}, {"type": "image", "source": {}}],
            },
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}],
            },
        ],
        "tools": [{"name": "f"}],
    }
    tool_json = count_text(json.dumps({"name": "f"}, separators=(",", ":")))
    arguments = count_text('{"a":1}')
    expected = 3 + (3 + 1 + 1600) + (3 + 1 + arguments) + (3 + 1) + 300 + tool_json
    assert count_body(body) == expected


async def test_the_endpoint_counts_by_the_rule_and_records_the_request() -> None:
    async with AnthropicServer() as server:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0)
        messages = [{"role": "user", "content": "Hello there"}]
        counted = await client.messages.count_tokens(model="claude-haiku-4-5", messages=messages)
        assert counted.input_tokens == 2 + 3
        [request] = server.requests
        assert request.path == "/v1/messages/count_tokens"
        assert request.body["messages"] == messages
        await client.close()


async def test_a_reply_header_scripts_an_error_and_queued_replies_are_left_alone() -> None:
    async with AnthropicServer() as server:
        server.enqueue({"text": "queued"})
        client = anthropic.AsyncAnthropic(api_key="k", base_url=server.base_url, max_retries=0)
        with pytest.raises(anthropic.InternalServerError):
            await client.messages.count_tokens(
                model="claude-haiku-4-5",
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"x-loopback-reply": json.dumps({"status": 500})},
            )
        assert server.pending == 1
        await client.close()
