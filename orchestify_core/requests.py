"""Turning a call's arguments into a validated CompletionRequest, before anything is sent.

Every check here raises :class:`RequestValidationError` (or its
:class:`UnsupportedCapabilityError`) with one line saying what is wrong and where, so a bad
request never reaches a provider and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import attrs

from .errors import RequestValidationError, UnsupportedCapabilityError
from .models import (
    ROLES,
    CompletionRequest,
    ImagePart,
    LLMMessage,
    ModelCapabilities,
    ToolDefinition,
)

__all__ = ["CHARS_PER_TOKEN", "CallDefaults", "build_request", "estimate_tokens"]

#: The rough size of a token, for estimates when a provider reported none.
CHARS_PER_TOKEN = 4
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class CallDefaults:
    """Per-provider-view defaults, set by :meth:`LLMProvider.bind` (agents use it)."""

    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    thinking: bool | None = None
    system: str | None = None


def coerce_message(message: LLMMessage | Mapping[str, Any], index: int) -> LLMMessage:
    if isinstance(message, LLMMessage):
        result = message
    elif isinstance(message, Mapping):
        try:
            result = LLMMessage(role=message["role"], content=message["content"])
        except KeyError as exc:
            raise RequestValidationError(f"messages[{index}]: missing {exc.args[0]!r}") from None
    else:
        raise RequestValidationError(
            f"messages[{index}]: expected an LLMMessage, got {type(message).__name__}"
        )
    if result.role not in ROLES:
        raise RequestValidationError(
            f"messages[{index}]: unknown role {result.role!r} (expected one of "
            f"{', '.join(sorted(ROLES))})"
        )
    return result


def estimate_tokens(request: CompletionRequest) -> int:
    chars = sum(len(m.text) for m in request.messages)
    return max(chars // CHARS_PER_TOKEN, 1)


def build_request(
    messages: Sequence[LLMMessage | Mapping[str, Any]],
    *,
    model: str,
    caps: ModelCapabilities,
    defaults: CallDefaults,
    provider_id: str,
    config_max_tokens: int,
    config_thinking_budget: int | None,
    temperature: float | None,
    max_tokens: int | None,
    tools: Sequence[ToolDefinition | Mapping[str, Any]] | None,
    thinking: bool | None,
    tool_choice: str | None,
    thinking_budget: int | None,
    stop: Sequence[str] | None,
    extra: Mapping[str, Any] | None,
) -> CompletionRequest:
    """Check a call's arguments against the model's capabilities and fill in the defaults.

    ``defaults`` are the bound view's (an agent's); ``config_*`` the provider's.
    """
    if not isinstance(messages, list | tuple):
        raise RequestValidationError("messages must be a list of LLMMessage")
    if not messages:
        raise RequestValidationError("messages must not be empty")
    # One pass: check each message, and note system messages and images on the way.
    coerced: list[LLMMessage] = []
    has_system = has_images = False
    only_system = True
    for index, message in enumerate(messages):
        checked = coerce_message(message, index)
        coerced.append(checked)
        if checked.role == "system":
            has_system = True
        else:
            only_system = False
        if not has_images and not isinstance(checked.content, str):
            has_images = any(isinstance(part, ImagePart) for part in checked.content)
    if defaults.system and not has_system:
        coerced.insert(0, LLMMessage(role="system", content=defaults.system))
    if only_system:
        raise RequestValidationError("messages need at least one user message")
    if max_tokens is None:
        # A configured default larger than the model allows is capped, not an error.
        max_tokens = defaults.max_tokens or config_max_tokens
        if caps.known and caps.max_output_tokens is not None:
            max_tokens = min(max_tokens, caps.max_output_tokens)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise RequestValidationError(f"max_tokens must be a positive integer, got {max_tokens!r}")
    if caps.known and caps.max_output_tokens is not None and max_tokens > caps.max_output_tokens:
        raise RequestValidationError(
            f"max_tokens={max_tokens} is more than model {model!r} can produce "
            f"({caps.max_output_tokens})"
        )
    if temperature is None:
        temperature = defaults.temperature if defaults.temperature is not None else 0.7
    if not 0 <= temperature <= 2:
        raise RequestValidationError(f"temperature must be between 0 and 2, got {temperature}")
    tool_defs = (
        tuple(ToolDefinition.coerce(tool, f"tools[{i}]") for i, tool in enumerate(tools))
        if tools
        else ()
    )
    if thinking is None:
        thinking = bool(defaults.thinking)
    request = CompletionRequest(
        messages=tuple(coerced),
        model=model,
        max_tokens=max_tokens,
        temperature=temperature,
        tools=tool_defs,
        tool_choice=tool_choice,
        thinking=thinking,
        thinking_budget=thinking_budget or config_thinking_budget,
        stop=tuple(stop) if stop else (),
        extra=dict(extra) if extra else _NO_EXTRA,
    )
    if caps.known:
        if tool_defs and not caps.tools:
            raise UnsupportedCapabilityError("tools", model, provider_id)
        if thinking and not caps.thinking:
            raise UnsupportedCapabilityError("thinking", model, provider_id)
        if has_images and not caps.vision:
            raise UnsupportedCapabilityError("images", model, provider_id)
    if tool_choice is not None and not tool_defs:
        raise RequestValidationError("tool_choice is set but no tools are given")
    return request
