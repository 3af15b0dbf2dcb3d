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

__all__ = [
    "CHARS_PER_TOKEN",
    "MIN_THINKING_BUDGET",
    "CallArgs",
    "CallDefaults",
    "build_request",
    "estimate_text_tokens",
    "estimate_tokens",
    "thinking_budget",
]

#: The rough size of a token, for estimates when a provider reported none.
CHARS_PER_TOKEN = 4
#: The smallest budget of thinking tokens a provider with budgets accepts.
MIN_THINKING_BUDGET = 1024
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class CallDefaults:
    """Per-provider-view defaults, set by :meth:`LLMProvider.bind` (agents use it)."""

    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    thinking: bool | None = None
    system: str | None = None


@attrs.frozen
class CallArgs:
    """A call's arguments as the caller gave them (None: not given)."""

    messages: Sequence[LLMMessage | Mapping[str, Any]]
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    tools: Sequence[ToolDefinition | Mapping[str, Any]] | None = None
    thinking: bool | None = None
    tool_choice: str | None = None
    thinking_budget: int | None = None
    stop: Sequence[str] | None = None
    extra: Mapping[str, Any] | None = None

    def given(self, defaults: CallDefaults) -> frozenset[str]:
        """The parameters the caller or the bound view (an agent) set."""
        names = [
            name
            for name in ("temperature", "max_tokens", "stop", "tool_choice", "thinking_budget")
            if getattr(self, name) is not None
        ]
        if self.thinking is not None:
            names.append("thinking")
        for name in ("temperature", "max_tokens", "thinking"):
            if getattr(defaults, name) is not None:
                names.append(name)
        return frozenset(names)


def coerce_message(message: LLMMessage | Mapping[str, Any], index: int) -> LLMMessage:
    if isinstance(message, LLMMessage):
        result = message
    elif isinstance(message, Mapping):
        try:
            result = LLMMessage(role=message["role"], content=message["content"])
        except KeyError as exc:
            raise RequestValidationError(f"messages[{index}]: missing {exc.args[0]!r}") from None
        except RequestValidationError as exc:  # a bad content part: say which message
            raise RequestValidationError(f"messages[{index}]: {exc}") from None
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


def estimate_text_tokens(text: str) -> int:
    """A rough token count of ``text``, for when a provider reported none."""
    return len(text) // CHARS_PER_TOKEN


def estimate_tokens(request: CompletionRequest) -> int:
    """A rough count of a request's input tokens (at least 1)."""
    chars = sum(len(m.text) for m in request.messages)
    return max(chars // CHARS_PER_TOKEN, 1)


def thinking_budget(request: CompletionRequest, *, minimum: int = MIN_THINKING_BUDGET) -> int:
    """The budget of thinking tokens to send, for providers whose thinking takes one.

    The rule, the same for every plugin: the request's ``thinking_budget`` when it set one,
    else half of ``max_tokens`` but at least ``minimum``, and always below ``max_tokens``
    (the budget is part of the output). A budget that cannot fit is refused.
    """
    max_tokens = request.max_tokens
    budget = request.thinking_budget
    if budget is None:
        budget = min(max(minimum, max_tokens // 2), max_tokens - 1)
    if budget < minimum or budget >= max_tokens:
        raise RequestValidationError(
            f"extended thinking needs a thinking budget of at least {minimum} tokens and "
            f"below max_tokens ({max_tokens}); got {budget}"
            + ("" if max_tokens > minimum else f": raise max_tokens above {minimum}")
        )
    return budget


def _coerce_messages(
    messages: Sequence[LLMMessage | Mapping[str, Any]], system: str | None
) -> tuple[tuple[LLMMessage, ...], bool]:
    """The messages checked (one pass), the bound system prompt added; and whether any
    carries an image."""
    if not isinstance(messages, list | tuple):
        raise RequestValidationError("messages must be a list of LLMMessage")
    if not messages:
        raise RequestValidationError("messages must not be empty")
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
    if only_system:
        raise RequestValidationError("messages need at least one user message")
    if system and not has_system:
        coerced.insert(0, LLMMessage(role="system", content=system))
    return tuple(coerced), has_images


def _max_tokens(
    given: int | None, model: str, caps: ModelCapabilities, defaults: CallDefaults, config: int
) -> int:
    max_tokens = given
    if max_tokens is None:
        # A configured default larger than the model allows is capped, not an error.
        max_tokens = defaults.max_tokens or config
        if caps.known and caps.max_output_tokens is not None:
            max_tokens = min(max_tokens, caps.max_output_tokens)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise RequestValidationError(f"max_tokens must be a positive integer, got {max_tokens!r}")
    if caps.known and caps.max_output_tokens is not None and max_tokens > caps.max_output_tokens:
        raise RequestValidationError(
            f"max_tokens={max_tokens} is more than model {model!r} can produce "
            f"({caps.max_output_tokens})"
        )
    return max_tokens


def _temperature(given: float | None, defaults: CallDefaults) -> float:
    temperature = given
    if temperature is None:
        temperature = defaults.temperature if defaults.temperature is not None else 0.7
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        raise RequestValidationError(f"temperature must be a number, got {temperature!r}")
    if not 0 <= temperature <= 2:
        raise RequestValidationError(f"temperature must be between 0 and 2, got {temperature}")
    return temperature


def build_request(
    args: CallArgs,
    *,
    model: str,
    caps: ModelCapabilities,
    defaults: CallDefaults,
    provider_id: str,
    config_max_tokens: int,
    config_thinking_budget: int | None,
    timeout: float | None = None,
) -> CompletionRequest:
    """Check a call's arguments against the model's capabilities and fill in the defaults.

    ``defaults`` are the bound view's (an agent's); ``config_*`` the provider's.
    """
    messages, has_images = _coerce_messages(args.messages, defaults.system)
    tools = args.tools
    tool_defs = (
        tuple(ToolDefinition.coerce(tool, f"tools[{i}]") for i, tool in enumerate(tools))
        if tools
        else ()
    )
    thinking = bool(defaults.thinking) if args.thinking is None else args.thinking
    if caps.known:
        if tool_defs and not caps.tools:
            raise UnsupportedCapabilityError("tools", model, provider_id)
        if thinking and not caps.thinking:
            raise UnsupportedCapabilityError("thinking", model, provider_id)
        if has_images and not caps.vision:
            raise UnsupportedCapabilityError("images", model, provider_id)
    if args.tool_choice is not None and not tool_defs:
        raise RequestValidationError("tool_choice is set but no tools are given")
    return CompletionRequest(
        messages=messages,
        model=model,
        max_tokens=_max_tokens(args.max_tokens, model, caps, defaults, config_max_tokens),
        temperature=_temperature(args.temperature, defaults),
        tools=tool_defs,
        tool_choice=args.tool_choice,
        thinking=thinking,
        thinking_budget=args.thinking_budget or config_thinking_budget,
        stop=tuple(args.stop) if args.stop else (),
        extra=dict(args.extra) if args.extra else _NO_EXTRA,
        timeout=timeout,
        given=args.given(defaults),
    )
