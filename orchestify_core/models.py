"""The records that cross the layer: messages, tools, requests, responses, stream events.

Everything here is a plain attrs record with no behaviour beyond small conveniences, so that
plugins and engines can build, compare and log them freely.

Token counting convention: ``input_tokens`` is every token the model read, *including*
cache reads and cache writes (OpenAI's ``prompt_tokens`` convention); ``cache_read_tokens``
and ``cache_write_tokens`` say how many of them were cache hits or cache writes. Reasoning
tokens are part of ``output_tokens``.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from .cache_mark import CacheMark, coerce_mark, to_mark
from .errors import RequestValidationError
from .tokens import ModelPrice, Usage

__all__ = [
    "ROLES",
    "CacheMark",
    "CompletionRequest",
    "ContentPart",
    "FinishReason",
    "HealthStatus",
    "ImagePart",
    "LLMMessage",
    "LLMResponse",
    "ModelCapabilities",
    "ModelPrice",
    "ProviderContext",
    "RedactedThinking",
    "RedactedThinkingPart",
    "StreamDone",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "TextPart",
    "ThinkingDelta",
    "ThinkingPart",
    "ToolCall",
    "ToolCallComplete",
    "ToolCallDelta",
    "ToolDefinition",
    "ToolResultPart",
    "Usage",
    "UsageEvent",
]

ROLES = frozenset({"system", "user", "assistant", "tool"})


# --------------------------------------------------------------------------- content parts


@attrs.frozen
class TextPart:
    """Plain text; ``cache`` marks a prompt-cache breakpoint after it (see :class:`CacheMark`)."""

    text: str
    cache: CacheMark | None = attrs.field(default=None, converter=to_mark, kw_only=True)
    type: Literal["text"] = attrs.field(default="text", init=False, repr=False)


@attrs.frozen
class ImagePart:
    """An image, either inline (base64 ``data`` with its ``media_type``) or by ``url``.

    Use :meth:`from_bytes` or :meth:`from_url` rather than the constructor.
    """

    media_type: str | None = None
    data: str | None = None
    url: str | None = None
    cache: CacheMark | None = attrs.field(default=None, converter=to_mark, kw_only=True)
    type: Literal["image"] = attrs.field(default="image", init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise RequestValidationError("an image needs exactly one of data or url")
        if self.data is not None and not self.media_type:
            raise RequestValidationError("an inline image needs a media_type, like 'image/png'")

    @classmethod
    def from_bytes(cls, data: bytes, media_type: str) -> ImagePart:
        """An inline image from raw bytes."""
        return cls(media_type=media_type, data=base64.b64encode(data).decode("ascii"))

    @classmethod
    def from_url(cls, url: str) -> ImagePart:
        """An image the provider fetches itself (or a ``data:`` URL)."""
        return cls(url=url)

    def data_url(self) -> str:
        """The image as a URL: the URL itself, or a ``data:`` URL for inline data."""
        if self.url is not None:
            return self.url
        return f"data:{self.media_type};base64,{self.data}"


@attrs.frozen
class ToolCall:
    """A call the model asked for. It is both a response field and an assistant content part.

    Attributes:
        id: The provider's id for the call; tool results refer to it.
        name: The tool's name.
        arguments: The decoded JSON arguments.
        raw_arguments: The argument text, kept only when it was not valid JSON.
        cache: A prompt-cache breakpoint after this call, when it is sent back.
    """

    id: str
    name: str
    arguments: Mapping[str, Any] = attrs.field(factory=dict)
    raw_arguments: str | None = None
    cache: CacheMark | None = attrs.field(default=None, converter=to_mark, kw_only=True)
    type: Literal["tool_call"] = attrs.field(default="tool_call", init=False, repr=False)

    @classmethod
    def from_json(cls, id: str, name: str, arguments_json: str) -> ToolCall:
        """Build a call from its JSON argument text, keeping the text if it does not parse."""
        if not arguments_json.strip():
            return cls(id=id, name=name)
        try:
            decoded = json.loads(arguments_json)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            return cls(id=id, name=name, raw_arguments=arguments_json)
        if not isinstance(decoded, dict):
            return cls(id=id, name=name, raw_arguments=arguments_json)
        return cls(id=id, name=name, arguments=decoded)


@attrs.frozen
class ToolResultPart:
    """The result of a tool call, sent back to the model; ``cache`` as on :class:`TextPart`."""

    tool_call_id: str
    content: str
    is_error: bool = False
    cache: CacheMark | None = attrs.field(default=None, converter=to_mark, kw_only=True)
    type: Literal["tool_result"] = attrs.field(default="tool_result", init=False, repr=False)


@attrs.frozen
class ThinkingPart:
    """The model's visible reasoning, with the provider's signature that must be sent back."""

    thinking: str
    signature: str | None = None
    type: Literal["thinking"] = attrs.field(default="thinking", init=False, repr=False)


@attrs.frozen
class RedactedThinkingPart:
    """Reasoning the provider encrypted; it is sent back unchanged in later turns."""

    data: str
    type: Literal["redacted_thinking"] = attrs.field(
        default="redacted_thinking", init=False, repr=False
    )


ContentPart = TextPart | ImagePart | ToolCall | ToolResultPart | ThinkingPart | RedactedThinkingPart
_PART_TYPES = (TextPart, ImagePart, ToolCall, ToolResultPart, ThinkingPart, RedactedThinkingPart)


def _text_part_from_dict(part: Mapping[Any, Any], where: str) -> TextPart:
    """A text block given as a dict, ``{"type": "text", "text": ..., "cache_control": ...}``
    (Anthropic's and OpenAI's shape)."""
    text = part.get("text")
    if part.get("type") != "text" or not isinstance(text, str):
        raise RequestValidationError(
            f"{where}: a content part given as a dict must be a text block "
            "{'type': 'text', 'text': ...}; use ImagePart, ToolResultPart... for the others"
        )
    return TextPart(text, cache=coerce_mark(part.get("cache_control"), f"{where}.cache_control"))


def _freeze_content(
    value: str | Sequence[ContentPart | Mapping[str, Any]],
) -> str | tuple[ContentPart, ...]:
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        parts: list[ContentPart] = []
        for index, part in enumerate(value):
            if isinstance(part, Mapping):
                part = _text_part_from_dict(part, f"content[{index}]")
            if not isinstance(part, _PART_TYPES):
                raise RequestValidationError(
                    f"content[{index}]: expected a content part (TextPart, ImagePart, ToolCall, "
                    f"ToolResultPart, ThinkingPart), got {type(part).__name__}"
                )
            parts.append(part)
        return tuple(parts)
    raise RequestValidationError(
        f"message content must be a string or a list of parts, got {type(value).__name__}"
    )


@attrs.frozen
class LLMMessage:
    """One message of a conversation.

    Attributes:
        role: ``system``, ``user``, ``assistant`` or ``tool`` (a tool result).
        content: Text, or a sequence of content parts (text, images, tool calls, tool
            results, thinking).
    """

    role: str
    content: str | tuple[ContentPart, ...] = attrs.field(converter=_freeze_content)

    @property
    def parts(self) -> tuple[ContentPart, ...]:
        """The content as parts; plain text becomes one :class:`TextPart`."""
        if isinstance(self.content, str):
            return (TextPart(self.content),) if self.content else ()
        return self.content

    @property
    def text(self) -> str:
        """The concatenated text parts."""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @classmethod
    def tool_result(cls, tool_call_id: str, content: str, *, is_error: bool = False) -> LLMMessage:
        """A ``tool`` message carrying one tool result."""
        return cls(role="tool", content=[ToolResultPart(tool_call_id, content, is_error)])


# --------------------------------------------------------------------------- tools


@attrs.frozen
class ToolDefinition:
    """A tool the model may call.

    Attributes:
        name: The tool's name.
        description: What it does, for the model.
        input_schema: A JSON Schema of type ``object`` for its arguments.
        cache: A prompt-cache breakpoint after this tool (see :class:`CacheMark`).
    """

    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = attrs.field(factory=lambda: {"type": "object"})
    cache: CacheMark | None = attrs.field(default=None, converter=to_mark, kw_only=True)

    @classmethod
    def coerce(
        cls, tool: ToolDefinition | Mapping[str, Any], where: str = "tools"
    ) -> ToolDefinition:
        """Accept a ToolDefinition, an Anthropic-style dict or an OpenAI-style dict.

        Anthropic style: ``{"name", "description", "input_schema"}``. OpenAI style:
        ``{"type": "function", "function": {"name", "description", "parameters"}}``.
        Either may carry Anthropic's ``cache_control`` (beside ``name``, or beside
        ``function`` as LiteLLM takes it), which becomes the tool's ``cache`` mark.
        """
        if isinstance(tool, ToolDefinition):
            return tool
        if not isinstance(tool, Mapping):
            raise RequestValidationError(f"{where}: expected a dict, got {type(tool).__name__}")
        cache_control = tool.get("cache_control")
        if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
            fn = tool["function"]
            name, description = fn.get("name"), fn.get("description", "")
            schema = fn.get("parameters", {"type": "object", "properties": {}})
            cache_control = fn.get("cache_control", cache_control)
        else:
            name, description = tool.get("name"), tool.get("description", "")
            schema = tool.get("input_schema", {"type": "object", "properties": {}})
        if not isinstance(name, str) or not name:
            raise RequestValidationError(f"{where}: a tool needs a non-empty 'name'")
        if not isinstance(description, str):
            raise RequestValidationError(f"{where} ({name}): 'description' must be a string")
        if not isinstance(schema, Mapping) or schema.get("type") != "object":
            raise RequestValidationError(
                f"{where} ({name}): the input schema must be a JSON Schema with type 'object'"
            )
        cache = coerce_mark(cache_control, f"{where} ({name}).cache_control")
        return cls(name=name, description=description, input_schema=schema, cache=cache)


# --------------------------------------------------------------------------- capabilities


@attrs.frozen
class ModelCapabilities:
    """What a model can do, as its plugin declares it.

    Attributes:
        known: False when the plugin does not know the model and guessed permissively;
            the core then does not refuse requests on these capabilities.
    """

    tools: bool = False
    vision: bool = False
    thinking: bool = False
    code_execution: bool = False
    streaming: bool = True
    context_window: int | None = None
    max_output_tokens: int | None = None
    known: bool = True


@attrs.frozen
class HealthStatus:
    """The result of a provider health check."""

    ok: bool
    detail: str = ""
    latency_s: float | None = None


# --------------------------------------------------------------------------- requests and responses


class FinishReason(enum.StrEnum):
    """Why the model stopped, normalised across providers (the raw one is kept alongside)."""

    STOP = "stop"
    LENGTH = "length"
    TOOL_USE = "tool_use"
    CONTENT_FILTER = "content_filter"
    REFUSAL = "refusal"
    PAUSE = "pause"
    OTHER = "other"


@attrs.frozen
class CompletionRequest:
    """One request, already validated, as the provider hooks receive it.

    Attributes:
        extra: Provider-specific parameters passed through unchanged.
        timeout: Seconds this attempt may take (the call's ``timeout=`` or the config's);
            pass it to the SDK's request so that its own read timeout never cuts first.
        given: The names of the parameters the caller (or the agent) set, among
            ``temperature``, ``max_tokens``, ``stop``, ``tool_choice``, ``thinking`` and
            ``thinking_budget``: a plugin for a server that refuses some may leave the
            defaulted ones out (see :meth:`is_given`).
    """

    messages: tuple[LLMMessage, ...]
    model: str
    max_tokens: int
    temperature: float | None = 0.7
    tools: tuple[ToolDefinition, ...] = ()
    tool_choice: str | None = None
    thinking: bool = False
    thinking_budget: int | None = None
    stop: tuple[str, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    timeout: float | None = None
    given: frozenset[str] = frozenset()

    def is_given(self, name: str) -> bool:
        """Whether the caller set parameter ``name`` (rather than a default filling it)."""
        return name in self.given

    @property
    def system(self) -> str | None:
        """The text of the system messages joined, or None if there are none."""
        texts = [m.text for m in self.messages if m.role == "system"]
        return "\n\n".join(texts) if texts else None


@attrs.define
class LLMResponse:
    """A completed answer.

    The first six attributes are the seed API; the rest say what else happened.

    Attributes:
        content: The answer's text.
        model: The model that actually served the call.
        tokens_input: Input tokens, cache reads and writes included.
        tokens_output: Output tokens, reasoning included.
        finish_reason: The normalised reason (a :class:`FinishReason`, which is a ``str``).
        raw_response: The SDK's own response object.
        parts: The assistant content in order (thinking, text, tool calls), for round trips.
        raw_finish_reason: The provider's own stop reason.
        cost_usd: The exact cost, or None when the model is unpriced.
        provider_id: The registry id of the provider that served it.
        provider_type: Its type.
        latency_s: Seconds from sending the request to the complete answer.
        attempts: How many attempts it took (retries and failovers included).
        cached: Served from the response cache: no provider was called, ``cost_usd`` is 0
            and the token counts are those of the stored answer (see docs/cache.md).
        cache_write_1h_tokens: How many of the cache writes were for an hour (Anthropic).
    """

    content: str
    model: str
    tokens_input: int
    tokens_output: int
    finish_reason: str
    raw_response: Any = attrs.field(default=None, repr=False, eq=False)
    parts: list[ContentPart] = attrs.field(factory=list)
    raw_finish_reason: str | None = None
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    usage_estimated: bool = False
    cost_usd: Decimal | None = None
    provider_id: str | None = None
    provider_type: str | None = None
    latency_s: float | None = None
    attempts: int = 1
    cache_write_1h_tokens: int = 0
    cached: bool = False

    @classmethod
    def from_parts(
        cls,
        parts: Sequence[ContentPart],
        *,
        model: str,
        usage: Usage,
        finish_reason: str,
        raw_finish_reason: str | None = None,
        raw_response: Any = None,
    ) -> LLMResponse:
        """Build a response from its content parts and usage (what plugins call)."""
        parts = list(parts)
        return cls(
            content="".join(p.text for p in parts if isinstance(p, TextPart)),
            model=model,
            tokens_input=usage.input_tokens,
            tokens_output=usage.output_tokens,
            finish_reason=finish_reason,
            raw_response=raw_response,
            parts=parts,
            raw_finish_reason=raw_finish_reason,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            usage_estimated=usage.estimated,
            cache_write_1h_tokens=usage.cache_write_1h_tokens,
        )

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls the model asked for."""
        return [p for p in self.parts if isinstance(p, ToolCall)]

    @property
    def thinking(self) -> str:
        """The visible thinking text, joined."""
        return "".join(p.thinking for p in self.parts if isinstance(p, ThinkingPart))

    @property
    def usage(self) -> Usage:
        return Usage(
            input_tokens=self.tokens_input,
            output_tokens=self.tokens_output,
            cache_read_tokens=self.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens,
            estimated=self.usage_estimated,
            cache_write_1h_tokens=self.cache_write_1h_tokens,
        )

    def to_message(self) -> LLMMessage:
        """The answer as an assistant message, to continue the conversation with."""
        if self.parts:
            return LLMMessage(role="assistant", content=self.parts)
        return LLMMessage(role="assistant", content=self.content)


# Stream events and the hook context live in their own modules; their names stay
# importable from here.
from .context import ProviderContext  # noqa: E402
from .events import (  # noqa: E402
    RedactedThinking,
    StreamDone,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallComplete,
    ToolCallDelta,
    UsageEvent,
)
