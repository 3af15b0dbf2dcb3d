"""What a provider under test claims to do, with defaults that follow its wire protocol."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["PROTOCOL_DEFAULTS", "Claims"]

_COMMON: dict[str, bool] = {
    "tools": True,
    "vision": True,
    "cache_read": True,
    "system_prompt": True,
    "stop": True,
    "temperature": True,
    "max_tokens": True,
    "tool_choice": True,
    "extra_body": True,
    "headers": True,
    "served_model": True,
}

PROTOCOL_DEFAULTS: dict[str | None, dict[str, bool]] = {
    # The Messages API: thinking with signatures and budgets, cache writes reported, and
    # input tokens known at message_start.
    "anthropic": {
        **_COMMON,
        "thinking": True,
        "thinking_budget": True,
        "cache_write": True,
        "early_input_usage": True,
        "network": True,
        "prompt_cache_marks": False,
        "count_endpoint": False,
    },
    # Chat Completions: no visible thinking, no cache writes in OpenAI's own usage, and a
    # stream's usage only in its last chunk.
    "openai": {
        **_COMMON,
        "thinking": False,
        "thinking_budget": False,
        "cache_write": False,
        "early_input_usage": False,
        "network": True,
        "prompt_cache_marks": False,
        "count_endpoint": False,
    },
    # No server at all (the scripted provider, or a plugin that overrides script()).
    None: {
        **_COMMON,
        "thinking": False,
        "thinking_budget": False,
        "cache_write": False,
        "early_input_usage": True,
        "network": False,
        "prompt_cache_marks": False,
        "count_endpoint": False,
    },
}
"""The defaults of every :class:`Claims` field per ``protocol``; any other protocol (a
plugin's own fake server) gets the ``openai`` column, the cautious one."""


def _claim() -> Any:
    return attrs.field(default=None, validator=attrs.validators.optional(_is_bool))


def _is_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"Claims.{attribute.name} must be True, False or None, got {value!r}")


@attrs.frozen
class Claims:
    """What the provider under test claims; ``None`` (the default) follows the protocol.

    docs/plugin-contract.md has the table of every field and its default per protocol.
    Each claim turns checks on; a claim the provider cannot honour must be set to False
    (its checks are then skipped), never left on to fail.

    Attributes:
        tools: Tool calling: tool schemas reach the wire, calls come back decoded, results
            go back with their call ids.
        tool_choice: ``tool_choice="<tool name>"`` reaches the wire as the protocol's
            forced-tool choice (needs ``tools``).
        thinking: Thinking text with a signature that is sent back on the next turn.
        thinking_budget: ``thinking_budget=`` reaches the wire as the protocol's budget
            (needs ``thinking``).
        vision: Images in user messages reach the wire in the protocol's image shape.
        cache_read: Reports prompt-cache reads.
        cache_write: Reports prompt-cache writes.
        early_input_usage: Input tokens are reported before the content (Anthropic's
            ``message_start``), so a stream left early has exact input tokens; otherwise
            they are estimated and marked so.
        system_prompt: A system message reaches the wire where the protocol puts it.
        stop: ``stop=`` reaches the wire as the protocol's stop sequences.
        temperature: ``temperature=`` reaches the wire.
        max_tokens: ``max_tokens=`` reaches the wire as the output limit.
        extra_body: A call's ``extra={"key": value}`` reaches the request body as
            ``"key": value``.
        headers: The config's ``headers:`` reach every request.
        served_model: The response names the model the server says served it, not the
            one asked for.
        network: It talks to a server: connection pooling, ``aclose()``, refused
            connections, timeouts and ``x-should-retry`` are checked.
        prompt_cache_marks: Prompt-cache marks (``cache=`` on parts, system blocks and
            tools) reach the wire as the protocol's breakpoints (Anthropic's
            ``cache_control``), and a fifth mark is refused before sending.
        count_endpoint: An online ``count_tokens()`` asks the server's count endpoint
            (Anthropic's ``/v1/messages/count_tokens``): exactly one request, and an
            ``exact`` count.
    """

    tools: bool | None = _claim()
    tool_choice: bool | None = _claim()
    thinking: bool | None = _claim()
    thinking_budget: bool | None = _claim()
    vision: bool | None = _claim()
    cache_read: bool | None = _claim()
    cache_write: bool | None = _claim()
    early_input_usage: bool | None = _claim()
    system_prompt: bool | None = _claim()
    stop: bool | None = _claim()
    temperature: bool | None = _claim()
    max_tokens: bool | None = _claim()
    extra_body: bool | None = _claim()
    headers: bool | None = _claim()
    served_model: bool | None = _claim()
    network: bool | None = _claim()
    prompt_cache_marks: bool | None = _claim()
    count_endpoint: bool | None = _claim()

    def resolved(self, protocol: str | None) -> Claims:
        """These claims with every ``None`` replaced by ``protocol``'s default."""
        defaults = PROTOCOL_DEFAULTS.get(protocol, PROTOCOL_DEFAULTS["openai"])
        values = {
            field.name: defaults[field.name] if getattr(self, field.name) is None
            else getattr(self, field.name)
            for field in attrs.fields(Claims)
        }  # fmt: skip
        return Claims(**values)
