"""The loopback servers' emulated prompt caches, on the wire: Anthropic's writes (per TTL)
and reads from ``cache_control`` breakpoints, OpenAI's ``cached_tokens`` for a repeated
``prompt_cache_key``; forgotten on ``reset()``."""

from __future__ import annotations

import math
from typing import Any

import aiohttp

from orchestify_core.testing.servers import AnthropicServer, OpenAIServer

SYSTEM = "S" * 400
DOCUMENT = "D" * 200
HOUR = {"type": "ephemeral", "ttl": "1h"}


def tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def anthropic_body(document: str) -> dict[str, Any]:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 10,
        "system": [{"type": "text", "text": SYSTEM, "cache_control": HOUR}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": document, "cache_control": {"type": "ephemeral"}},
                    {"type": "text", "text": "Summarise it."},
                ],
            }
        ],
    }


async def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        assert r.status == 200
        answer: dict[str, Any] = await r.json()
        return answer["usage"]


async def test_anthropic_writes_per_ttl_then_reads() -> None:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    async with AnthropicServer() as server:
        url = f"{server.base_url}/v1/messages"
        first = await post(url, anthropic_body(DOCUMENT), headers)
        # The system block (its type and text) is the first prefix, the document the second.
        system = tokens(len("text") + len(SYSTEM))
        both = tokens(len("text") + len(SYSTEM) + len("text") + len(DOCUMENT))
        assert first["cache_read_input_tokens"] == 0
        assert first["cache_creation_input_tokens"] == both
        assert first["cache_creation"] == {
            "ephemeral_5m_input_tokens": both - system,
            "ephemeral_1h_input_tokens": system,
        }
        again = await post(url, anthropic_body(DOCUMENT), headers)
        assert again["cache_read_input_tokens"] == both
        assert again["cache_creation_input_tokens"] == 0
        assert again["input_tokens"] == first["input_tokens"]
        other = await post(url, anthropic_body("E" * 200), headers)
        assert other["cache_read_input_tokens"] == system  # the system prompt is still cached
        assert other["cache_creation"]["ephemeral_5m_input_tokens"] == both - system
        server.reset()
        after = await post(url, anthropic_body(DOCUMENT), headers)
        assert after["cache_read_input_tokens"] == 0
        assert after["cache_creation_input_tokens"] == both


async def test_without_marks_nothing_is_cached() -> None:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": SYSTEM}]}
    async with AnthropicServer() as server:
        url = f"{server.base_url}/v1/messages"
        for _ in range(2):
            usage = await post(url, body, headers)
            assert usage["cache_read_input_tokens"] == 0
            assert usage["cache_creation_input_tokens"] == 0


async def test_openai_reads_the_prefix_of_a_repeated_key() -> None:
    headers = {"authorization": "Bearer k"}
    first_turn = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Oslo?"}]
    second_turn = [*first_turn, {"role": "assistant", "content": "Sunny."}]
    second_turn.append({"role": "user", "content": "Bergen?"})
    async with OpenAIServer() as server:
        url = f"{server.base_url}/chat/completions"
        key = {"model": "gpt-4o-mini", "prompt_cache_key": "bot-7"}
        first = await post(url, {**key, "messages": first_turn}, headers)
        assert first["prompt_tokens_details"]["cached_tokens"] == 0
        second = await post(url, {**key, "messages": second_turn}, headers)
        prefix = tokens(len("system") + len(SYSTEM) + len("user") + len("Oslo?"))
        assert second["prompt_tokens_details"]["cached_tokens"] == prefix
        assert second["prompt_tokens"] > prefix
        other_key = {**key, "prompt_cache_key": "bot-8", "messages": second_turn}
        other = await post(url, other_key, headers)
        assert other["prompt_tokens_details"]["cached_tokens"] == 0
        no_key = {"model": "gpt-4o-mini", "messages": second_turn}
        assert (await post(url, no_key, headers))["prompt_tokens_details"]["cached_tokens"] == 0
