"""Provider prompt caching: where a request's cache breakpoints go, and which are allowed.

A request carries breakpoints as :class:`~orchestify_core.cache_mark.CacheMark` marks on
its tools, system blocks and message parts. Plugins whose provider takes breakpoints
(Anthropic's ``cache_control``) call :func:`prepare_prompt_cache` first and then send the
marks they find; the others call it too (it takes the per-call keys out of ``extra``) and
ignore the marks.

The automatic policy (``prompt_cache: auto``) marks the stable prefix of a conversation, in
the order a prompt is read (tools, then system, then messages):

1. the last tool,
2. the last block of the last system message,
3. the last block of the message just before the newest user turn (the earlier turns: the
   newest turn is the trailing run of ``user`` and ``tool`` messages).

A place already marked keeps its mark, and marks are added only while the request holds
fewer than :data:`MAX_BREAKPOINTS` (Anthropic's limit of four): the first places in the
order above win. An automatic mark takes the policy's TTL, but ``1h`` when a one-hour mark
comes after it and ``5m`` when a five-minute one comes before it (Anthropic wants
longer-lived breakpoints first), so the marks it adds never break the checks below.

Checked for every request, whatever the policy: at most four marks, and no ``1h`` mark
after a ``5m`` one. Either problem is one :class:`RequestValidationError` naming the marks.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .cache_mark import FIVE_MINUTES, MAX_BREAKPOINTS, ONE_HOUR, CacheMark, CacheTTL
from .errors import RequestValidationError
from .models import (
    CompletionRequest,
    ContentPart,
    ImagePart,
    LLMMessage,
    TextPart,
    ToolCall,
    ToolResultPart,
)

__all__ = [
    "EXTRA_KEYS",
    "PromptCacheMode",
    "PromptCacheTTL",
    "auto_breakpoints",
    "check_breakpoints",
    "marks_of",
    "prepare_prompt_cache",
]

#: The ``extra`` keys a call sets the policy with; plugins never send them on.
EXTRA_KEYS = ("prompt_cache", "prompt_cache_ttl")

_MarkablePart = TextPart | ImagePart | ToolResultPart | ToolCall
_MARKABLE = (TextPart, ImagePart, ToolResultPart, ToolCall)
# Sections of a prompt in the order the provider reads it.
_TOOLS, _SYSTEM, _TURNS = 0, 1, 2


class PromptCacheMode(enum.Enum):
    """The ``prompt_cache`` policy: ``off`` (only the marks the caller put) or ``auto``."""

    OFF = "off"
    AUTO = "auto"


class PromptCacheTTL(enum.Enum):
    """The TTL of the marks the automatic policy places."""

    FIVE_MINUTES = "5m"
    ONE_HOUR = "1h"


_TTLS: dict[PromptCacheTTL, CacheTTL] = {
    PromptCacheTTL.FIVE_MINUTES: "5m",
    PromptCacheTTL.ONE_HOUR: "1h",
}


@attrs.frozen
class _Mark:
    """A mark found in a request: its place in reading order, where it is, and the mark."""

    order: tuple[int, int, int]
    where: str
    mark: CacheMark


def marks_of(request: CompletionRequest) -> list[_Mark]:
    """The request's marks in the order the provider reads the prompt."""
    found: list[_Mark] = []
    for index, tool in enumerate(request.tools):
        if tool.cache is not None:
            found.append(_Mark((_TOOLS, index, 0), f"tools[{index}] ({tool.name})", tool.cache))
    for index, message in enumerate(request.messages):
        content = message.content
        if isinstance(content, str):
            continue
        section = _SYSTEM if message.role == "system" else _TURNS
        for position, part in enumerate(content):
            mark = getattr(part, "cache", None)
            if mark is not None:
                where = f"messages[{index}].content[{position}]"
                found.append(_Mark((section, index, position), where, mark))
    found.sort(key=lambda item: item.order)
    return found


def check_breakpoints(request: CompletionRequest, limit: int = MAX_BREAKPOINTS) -> None:
    """Refuse more than ``limit`` marks, or a ``1h`` mark read after a ``5m`` one."""
    marks = marks_of(request)
    if len(marks) > limit:
        places = ", ".join(item.where for item in marks)
        raise RequestValidationError(
            f"at most {limit} prompt-cache marks fit in one request (Anthropic's limit), "
            f"got {len(marks)}: {places}"
        )
    shorter: _Mark | None = None
    for item in marks:
        if item.mark.ttl == "5m":
            shorter = shorter or item
        elif shorter is not None:
            raise RequestValidationError(
                f"{item.where}: a 1h prompt-cache mark cannot come after the 5m one at "
                f"{shorter.where}; Anthropic reads tools, system, then messages, and wants "
                "the longer-lived marks first"
            )


# --------------------------------------------------------------------------- the auto policy


def _last_markable(message: LLMMessage) -> int | None:
    """The index of the last part of ``message`` a mark can go on (non-empty text, an
    image, a tool result or call), or None."""
    parts = message.parts
    for position in range(len(parts) - 1, -1, -1):
        part = parts[position]
        if isinstance(part, _MARKABLE) and not (isinstance(part, TextPart) and not part.text):
            return position
    return None


def _earlier_turns_end(messages: Sequence[LLMMessage]) -> int | None:
    """The index of the last message before the newest user turn, or None (one turn)."""
    index = len(messages) - 1
    while index >= 0 and messages[index].role in ("user", "tool"):
        index -= 1
    while index >= 0 and messages[index].role == "system":
        index -= 1
    return index if index >= 0 and index < len(messages) - 1 else None


def _candidates(request: CompletionRequest) -> list[tuple[tuple[int, int, int], Any]]:
    """The places the policy marks, in reading order: ``(order, tool or (message, part))``."""
    places: list[tuple[tuple[int, int, int], Any]] = []
    if request.tools:
        last = len(request.tools) - 1
        places.append(((_TOOLS, last, 0), last))
    messages = request.messages
    systems = [index for index, message in enumerate(messages) if message.role == "system"]
    ends = [systems[-1]] if systems else []
    earlier = _earlier_turns_end(messages)
    if earlier is not None:
        ends.append(earlier)
    for index in ends:
        position = _last_markable(messages[index])
        if position is not None:
            section = _SYSTEM if messages[index].role == "system" else _TURNS
            places.append(((section, index, position), (index, position)))
    return places


def _is_marked(request: CompletionRequest, place: Any) -> bool:
    if isinstance(place, int):
        return request.tools[place].cache is not None
    index, position = place
    part = request.messages[index].parts[position]
    return getattr(part, "cache", None) is not None


def _mark_part(message: LLMMessage, position: int, mark: CacheMark) -> LLMMessage:
    parts = list(message.parts)
    part = parts[position]
    assert isinstance(part, _MARKABLE)
    marked: ContentPart = attrs.evolve(part, cache=mark)
    parts[position] = marked
    return LLMMessage(role=message.role, content=parts)


def _auto_mark(existing: list[_Mark], order: tuple[int, int, int], ttl: CacheTTL) -> CacheMark:
    """The mark the policy puts at ``order``: its TTL, kept in line with the caller's."""
    if any(item.mark.ttl == "1h" and item.order > order for item in existing):
        return ONE_HOUR
    if ttl == "1h" and any(item.mark.ttl == "5m" and item.order < order for item in existing):
        return FIVE_MINUTES
    return ONE_HOUR if ttl == "1h" else FIVE_MINUTES


def auto_breakpoints(request: CompletionRequest, ttl: CacheTTL = "5m") -> CompletionRequest:
    """``request`` with the automatic policy's marks added (see the module docstring)."""
    existing = marks_of(request)
    room = MAX_BREAKPOINTS - len(existing)
    tools = list(request.tools)
    messages = list(request.messages)
    for order, place in _candidates(request):
        if room <= 0:
            break
        if _is_marked(request, place):
            continue
        mark = _auto_mark(existing, order, ttl)
        if isinstance(place, int):
            tools[place] = attrs.evolve(tools[place], cache=mark)
        else:
            index, position = place
            messages[index] = _mark_part(messages[index], position, mark)
        room -= 1
    return attrs.evolve(request, tools=tuple(tools), messages=tuple(messages))


# --------------------------------------------------------------------------- per call


def _call_policy(
    extra: Mapping[str, Any], mode: PromptCacheMode, ttl: PromptCacheTTL
) -> tuple[PromptCacheMode, PromptCacheTTL]:
    """The policy with a call's ``extra["prompt_cache"]`` / ``["prompt_cache_ttl"]`` applied."""
    if "prompt_cache" in extra:
        value = extra["prompt_cache"]
        try:
            mode = PromptCacheMode(value)
        except (ValueError, TypeError):
            raise RequestValidationError(
                f"extra['prompt_cache']: expected 'auto' or 'off', got {value!r}"
            ) from None
    if "prompt_cache_ttl" in extra:
        value = extra["prompt_cache_ttl"]
        try:
            ttl = PromptCacheTTL(value)
        except (ValueError, TypeError):
            raise RequestValidationError(
                f"extra['prompt_cache_ttl']: expected '5m' or '1h', got {value!r}"
            ) from None
    return mode, ttl


def prepare_prompt_cache(
    request: CompletionRequest,
    mode: PromptCacheMode | str = PromptCacheMode.OFF,
    ttl: PromptCacheTTL | str = PromptCacheTTL.FIVE_MINUTES,
) -> CompletionRequest:
    """The request as a plugin sends it: the call's policy keys taken out of ``extra``, the
    caller's marks checked (:func:`check_breakpoints`), and the automatic marks placed when
    the policy (the provider's ``mode`` and ``ttl``, or the call's) is ``auto`` (they keep
    the request valid by construction)."""
    policy, policy_ttl = PromptCacheMode(mode), PromptCacheTTL(ttl)
    extra = request.extra
    if any(key in extra for key in EXTRA_KEYS):
        policy, policy_ttl = _call_policy(extra, policy, policy_ttl)
        kept = {key: value for key, value in extra.items() if key not in EXTRA_KEYS}
        request = attrs.evolve(request, extra=kept)
    check_breakpoints(request)
    if policy is PromptCacheMode.AUTO:
        request = auto_breakpoints(request, _TTLS[policy_ttl])
    return request
