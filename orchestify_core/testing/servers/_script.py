"""The provider-neutral scripted reply: what a loopback server answers to one request.

A :class:`Reply` says *what* the model "said" (text, tool calls, thinking), *what it cost*
(token counts) and *how the wire behaves* (an error status, a stream that fails, a connection
that drops, delays). Each provider server renders the same reply in its own wire format, so
one script drives both an Anthropic and an OpenAI client.

Replies also travel as JSON (the control API and the ``x-loopback-reply`` header), which is
why :func:`reply_from_dict` and :func:`reply_to_dict` exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

__all__ = [
    "BODY_FAULTS",
    "USAGE_FAULTS",
    "Reply",
    "ThinkingSpec",
    "ToolCallSpec",
    "coerce_reply",
    "reply_from_dict",
    "reply_to_dict",
]


def _arguments(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _headers(value: Mapping[str, str]) -> dict[str, str]:
    return {str(name): str(header) for name, header in value.items()}


@attrs.frozen
class ToolCallSpec:
    """One tool call the model makes; ``id`` is generated in the provider's style when None.

    ``raw_arguments``: the arguments' JSON text exactly as sent, instead of ``arguments``
    encoded; it need not be valid (or sane) JSON: ``"[" * 5000 + "]" * 5000`` is allowed.
    """

    name: str
    arguments: dict[str, Any] = attrs.field(factory=dict, converter=_arguments, hash=False)
    id: str | None = None
    raw_arguments: str | None = None


@attrs.frozen
class ThinkingSpec:
    """A visible thinking block (Anthropic); OpenAI chat completions do not expose it."""

    text: str
    signature: str = "loopback-signature"


def _tool_calls(value: Iterable[ToolCallSpec]) -> tuple[ToolCallSpec, ...]:
    return tuple(value)


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, int | float) and value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, int) and value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value!r}")


def _status(_instance: object, _attribute: attrs.Attribute[Any], value: int) -> None:
    if not 200 <= value <= 599:
        raise ValueError(f"status must be between 200 and 599, got {value!r}")


BODY_FAULTS: tuple[str, ...] = ("json", "malformed", "empty", "array", "object")
"""What ``Reply.body_fault`` may ask for (see :class:`Reply`)."""

USAGE_FAULTS: tuple[str, ...] = ("missing", "strings", "negative", "huge")
"""What ``Reply.usage_fault`` may ask for (see :class:`Reply`)."""


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is not None and value not in choices:
            raise ValueError(f"{attribute.name} must be one of {', '.join(choices)}, got {value!r}")

    return check


@attrs.frozen(kw_only=True)
class Reply:
    """One scripted answer; every field has a default, so ``Reply()`` is a plain echo.

    Content:
        ``text``: the assistant text. ``None`` means the server's default text (an echo of
        the last user message), unless ``tool_calls`` are given, in which case no text
        block is sent. ``""`` means no text block at all.
        ``tool_calls``, ``thinking``, ``redacted_thinking`` (the opaque ``data`` string).

    Usage (``None`` means estimated from the request or the reply text): ``input_tokens``
    counts the *uncached* prompt tokens, as Anthropic reports them; the OpenAI server
    reports ``prompt_tokens = input_tokens + cache_read_tokens + cache_write_tokens`` and
    ``cached_tokens = cache_read_tokens``, which is how OpenAI counts the same prompt.
    ``cache_write_1h_tokens`` is the part of ``cache_write_tokens`` written for an hour
    (Anthropic's ``cache_creation.ephemeral_1h_input_tokens``). With no cache counts
    scripted, a request's prompt-cache marks (or OpenAI ``prompt_cache_key``) make the
    server report writes and reads itself (see ``_prompt_cache``).
    ``output_tokens`` includes ``reasoning_tokens``.

    ``stop_reason`` may be given in either provider's vocabulary (``end_turn``/``stop``,
    ``tool_use``/``tool_calls``, ``max_tokens``/``length``, ``refusal``/``content_filter``,
    ``stop_sequence``); each server translates it. ``None`` derives it from the content.
    ``model`` ``None`` echoes the request's model.

    Streaming shape: the text (and thinking) is split into ``chunk_count`` pieces, or into
    pieces of ``chunk_size`` characters (default 16); a default text shorter than
    ``chunk_count`` is repeated until every chunk has at least one character. Tool
    arguments are sent in ``json_chunk_count`` pieces.

    Faults:
        ``status`` (not 200): answer with the provider's error body, ``error_type``,
        ``error_code`` (OpenAI) and ``error_message`` overriding the per-status defaults.
        ``headers`` are added to the response whatever the status; ``retry_after``
        (seconds) and ``retry_after_ms`` set ``retry-after`` / ``retry-after-ms``.
        ``stream_error_after=N``: a stream sends N events, then the in-stream error.
        ``drop_after=N``: a stream sends N events, then the TCP connection is closed without
        finishing the HTTP response; ``0``, and any value for a non-streaming request,
        closes it before the status line.
        ``first_byte_delay`` seconds before the status line; ``event_delay`` seconds before
        each stream event after the first.
        ``hang``: never send a byte; ``hang_after=N``: a stream stalls after N events. Both
        end when the client disconnects or the server stops.

    Hostile answers (a server that misbehaves without saying so; each is a 200 unless
    ``status`` says otherwise):
        ``body_fault``: the body of the answer, for a streaming or a non-streaming request
        alike, with ``Content-Type: application/json`` (or ``content_type``): ``"json"``
        the complete non-streaming answer (so a stream request gets plain JSON, no SSE),
        ``"malformed"`` that answer cut off in the middle, ``"empty"`` no bytes at all,
        ``"array"`` ``[]``, ``"object"`` ``{"foo":1}``.
        ``content_type``: the Content-Type of a 200 answer, instead of the provider's.
        ``usage_fault``: the usage the server reports (in the body, in Anthropic's
        ``message_start`` and ``message_delta``, in OpenAI's usage chunk): ``"missing"``
        none at all, ``"strings"`` every count as a JSON string (``"12"``), ``"negative"``
        the input and output counts negated, ``"huge"`` those two as the float ``1e18``.
        ``stream_end_after=N``: a stream sends N events and then ends the response
        cleanly, without its terminator (Anthropic ``message_start`` + ``ping`` is N=2;
        OpenAI's first role chunk is N=1). No error, no dropped connection.
        ``invalid_utf8``: a ``\\xff`` byte right after the first character of the text,
        inside its JSON string (the first text delta's data line of a stream).
        ``same_tool_index``: a stream gives every tool call the first one's index (OpenAI
        ``tool_calls[].index``, Anthropic content-block ``index``), ids still distinct.
        ``redirect_to``: answer ``status`` (302, 307 or 308; 307 when ``status`` is not a
        redirect) with ``Location: redirect_to + path?query`` of the request, so the client
        is sent to another server (another port, or ``127.0.0.2`` for another host).
        ``echo_key``: an error answer (``status`` >= 400, or ``stream_error_after``) ends
        its message with the credential the request carried (``x-api-key`` or the bearer
        token), as some servers and proxies do.
        Hostile ``retry-after`` values (``nan``, ``inf``, ``-5``) go in ``headers``.
    """

    text: str | None = attrs.field(default=None, kw_only=False)
    tool_calls: tuple[ToolCallSpec, ...] = attrs.field(default=(), converter=_tool_calls)
    thinking: ThinkingSpec | None = None
    redacted_thinking: str | None = None

    input_tokens: int | None = attrs.field(default=None, validator=_non_negative)
    output_tokens: int | None = attrs.field(default=None, validator=_non_negative)
    cache_read_tokens: int = attrs.field(default=0, validator=_non_negative)
    cache_write_tokens: int = attrs.field(default=0, validator=_non_negative)
    cache_write_1h_tokens: int = attrs.field(default=0, validator=_non_negative)
    reasoning_tokens: int = attrs.field(default=0, validator=_non_negative)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    model: str | None = None
    id: str | None = None

    chunk_count: int | None = attrs.field(default=None, validator=_positive)
    chunk_size: int | None = attrs.field(default=None, validator=_positive)
    json_chunk_count: int = attrs.field(default=3, validator=_positive)

    status: int = attrs.field(default=200, validator=_status)
    error_type: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    headers: dict[str, str] = attrs.field(factory=dict, converter=_headers, hash=False)
    retry_after: float | None = attrs.field(default=None, validator=_non_negative)
    retry_after_ms: int | None = attrs.field(default=None, validator=_non_negative)
    stream_error_after: int | None = attrs.field(default=None, validator=_non_negative)
    drop_after: int | None = attrs.field(default=None, validator=_non_negative)
    first_byte_delay: float = attrs.field(default=0.0, validator=_non_negative)
    event_delay: float = attrs.field(default=0.0, validator=_non_negative)
    hang: bool = False
    hang_after: int | None = attrs.field(default=None, validator=_non_negative)

    body_fault: str | None = attrs.field(default=None, validator=_one_of(BODY_FAULTS))
    content_type: str | None = None
    usage_fault: str | None = attrs.field(default=None, validator=_one_of(USAGE_FAULTS))
    stream_end_after: int | None = attrs.field(default=None, validator=_non_negative)
    invalid_utf8: bool = False
    same_tool_index: bool = False
    redirect_to: str | None = None
    echo_key: bool = False

    def __attrs_post_init__(self) -> None:
        if 300 <= self.status < 400 and self.redirect_to is None:
            raise ValueError(f"status {self.status} is a redirect: it needs redirect_to")

    def response_headers(self) -> dict[str, str]:
        """The extra headers of this reply, including the retry hints."""
        headers = dict(self.headers)
        if self.retry_after is not None:
            seconds = self.retry_after
            headers["retry-after"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        return headers


_converter = cattrs.Converter(forbid_extra_keys=True)
# A tool call's raw_arguments is left out of its JSON form when unset, as it was before it existed.
_converter.register_unstructure_hook(
    ToolCallSpec,
    make_dict_unstructure_fn(
        ToolCallSpec, _converter, raw_arguments=override(omit_if_default=True)
    ),
)


def reply_from_dict(data: Mapping[str, Any]) -> Reply:
    """Build a reply from its JSON form; raise ValueError naming every bad field."""
    if not isinstance(data, Mapping):
        raise ValueError(f"a reply must be a JSON object, got {type(data).__name__}")
    try:
        return _converter.structure(dict(data), Reply)
    except (cattrs.ClassValidationError, cattrs.ForbiddenExtraKeysError) as exc:
        raise ValueError("invalid reply: " + "; ".join(cattrs.transform_error(exc))) from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"invalid reply: {exc}") from None


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """The JSON form of a reply, without the fields left at their defaults."""
    full: dict[str, Any] = _converter.unstructure(reply)
    defaults: dict[str, Any] = _converter.unstructure(Reply())
    return {key: value for key, value in full.items() if value != defaults[key]}


def coerce_reply(value: Reply | Mapping[str, Any]) -> Reply:
    """Accept a :class:`Reply` or its JSON form."""
    return value if isinstance(value, Reply) else reply_from_dict(value)
