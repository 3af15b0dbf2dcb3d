"""The providers' prompt caches, emulated by the loopback servers, deterministically.

So that a flow with prompt caching is testable end to end: a request's usage reports cache
writes and reads as the provider would, from what the request carries.

Anthropic (:meth:`PromptCacheEmulator.anthropic`): the prompt is read as blocks, in the
API's order (each tool, the system blocks, then each message's content blocks). A block
with ``cache_control`` is a breakpoint. The longest prefix, ending at any block up to the
last breakpoint, that an earlier request wrote is *read*; each breakpoint past it *writes*
the tokens since the previous breakpoint (or the read prefix) with its own TTL
(``ephemeral_5m_input_tokens`` / ``ephemeral_1h_input_tokens``); what follows the last
breakpoint is uncached input. Prefixes are told apart by the model and the blocks'
content, ``cache_control`` left out (moving a mark does not change what is cached).

OpenAI (:meth:`PromptCacheEmulator.openai`): only requests with a ``prompt_cache_key``
take part. The longest run of leading messages (tools included) a request with the same
key sent before is reported as ``cached_tokens``.

Not emulated: expiry (nothing is ever evicted), the providers' minimum cacheable length
(1,024 tokens for most models) and OpenAI's 128-token granularity. A reply that scripts
cache tokens itself is left as it is. Token counts are the servers' usual estimate (about
four characters a token).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from ._turn import Turn

__all__ = ["PromptCacheEmulator"]

_CHARS_PER_TOKEN = 4


def _chars(value: object) -> int:
    """Total length of the strings inside a JSON value (keys excluded)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_chars(item) for item in value.values())
    if isinstance(value, list):
        return sum(_chars(item) for item in value)
    return 0


def _tokens(chars: int) -> int:
    return -(-chars // _CHARS_PER_TOKEN)


def _anthropic_blocks(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The prompt's blocks in the order the API reads them (a role tags message blocks)."""
    blocks: list[dict[str, Any]] = []
    tools = body.get("tools")
    if isinstance(tools, list):
        blocks.extend({"tool": tool} for tool in tools if isinstance(tool, dict))
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append({"system": {"type": "text", "text": system}})
    elif isinstance(system, list):
        blocks.extend({"system": block} for block in system if isinstance(block, dict))
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else ():
        if not isinstance(message, dict):
            continue
        role, content = str(message.get("role")), message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if isinstance(content, list):
            blocks.extend({role: block} for block in content if isinstance(block, dict))
    return blocks


def _mark_of(tagged: dict[str, Any]) -> Any:
    (block,) = tagged.values()
    return block.get("cache_control")


def _unmarked(tagged: dict[str, Any]) -> dict[str, Any]:
    return {
        tag: {k: v for k, v in block.items() if k != "cache_control"}
        for tag, block in tagged.items()
    }


@attrs.define
class _Prefixes:
    """Each prefix's running digest and token count, block by block."""

    digests: list[str]
    tokens: list[int]

    @classmethod
    def of(cls, seed: str, items: list[Any]) -> _Prefixes:
        running = hashlib.sha256(seed.encode())
        digests: list[str] = []
        tokens: list[int] = []
        chars = 0
        for item in items:
            running.update(json.dumps(item, sort_keys=True, default=str).encode())
            digests.append(running.copy().hexdigest())
            chars += _chars(item)
            tokens.append(_tokens(chars))
        return cls(digests, tokens)


@attrs.define
class PromptCacheEmulator:
    """The prefixes written so far, per provider; one emulator per server."""

    _written: set[str] = attrs.field(factory=set)

    def reset(self) -> None:
        self._written.clear()

    def anthropic(self, turn: Turn, body: Mapping[str, Any]) -> Turn:
        """``turn`` with Anthropic's cache reads and writes for the request ``body``."""
        if turn.cache_read_tokens or turn.cache_write_tokens:
            return turn
        blocks = _anthropic_blocks(body)
        breakpoints = [index for index, block in enumerate(blocks) if _mark_of(block)]
        if not breakpoints:
            return turn
        prefixes = _Prefixes.of(f"anthropic {body.get('model')}", [_unmarked(b) for b in blocks])
        last = breakpoints[-1]
        read_end = next(
            (i for i in range(last, -1, -1) if prefixes.digests[i] in self._written), -1
        )
        read = prefixes.tokens[read_end] if read_end >= 0 else 0
        writes = {"5m": 0, "1h": 0}
        start = read
        for index in breakpoints:
            if index <= read_end:
                continue
            mark = _mark_of(blocks[index])
            ttl = "1h" if isinstance(mark, dict) and mark.get("ttl") == "1h" else "5m"
            writes[ttl] += prefixes.tokens[index] - start
            start = prefixes.tokens[index]
            self._written.add(prefixes.digests[index])
        written = writes["5m"] + writes["1h"]
        return attrs.evolve(
            turn,
            input_tokens=max(turn.input_tokens - read - written, 0),
            cache_read_tokens=read,
            cache_write_tokens=written,
            cache_write_1h_tokens=writes["1h"],
        )

    def openai(self, turn: Turn, body: Mapping[str, Any]) -> Turn:
        """``turn`` with OpenAI's ``cached_tokens`` for a request with a ``prompt_cache_key``."""
        key = body.get("prompt_cache_key")
        if not isinstance(key, str) or turn.cache_read_tokens or turn.cache_write_tokens:
            return turn
        messages = body.get("messages")
        items: list[Any] = [{"tools": body.get("tools")}]
        items.extend(messages if isinstance(messages, list) else ())
        prefixes = _Prefixes.of(f"openai {body.get('model')} {key}", items)
        hit = next(
            (i for i in range(len(items) - 1, -1, -1) if prefixes.digests[i] in self._written),
            -1,
        )
        self._written.update(prefixes.digests)
        cached = min(prefixes.tokens[hit], turn.input_tokens) if hit >= 0 else 0
        return attrs.evolve(turn, input_tokens=turn.input_tokens - cached, cache_read_tokens=cached)
