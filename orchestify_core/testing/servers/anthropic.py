"""A loopback server speaking the Anthropic Messages API.

Endpoints: ``POST /v1/messages`` (JSON, or SSE with ``"stream": true``),
``POST /v1/messages/count_tokens``, ``GET /v1/models`` and the Message Batches
(``/v1/messages/batches``, see :mod:`._batches_anthropic`). ``base_url`` is the bare
``http://127.0.0.1:PORT``, as ``anthropic.AsyncAnthropic(base_url=...)`` expects.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from aiohttp import web

from ._base import REPLY_HEADER, InvalidRequest, LoopbackServer, Route
from ._batches_anthropic import AnthropicBatches
from ._count_tokens import count_body
from ._prompt_cache import PromptCacheEmulator
from ._script import Reply
from ._turn import RAW_INPUT_MARK, Turn, usage_counts
from ._wire import dumps, sse

__all__ = ["AnthropicServer"]

_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: (
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    404: ("not_found_error", "The requested resource could not be found."),
    409: ("conflict_error", "The request conflicts with the current state of the resource."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}

# Either provider's stop reasons, translated to Anthropic's.
_STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "refusal",
}


def _error_kind(status: int) -> tuple[str, str]:
    if status in _ERRORS:
        return _ERRORS[status]
    return _ERRORS[500] if status >= 500 else _ERRORS[400]


def _stop_reason(turn: Turn) -> str:
    if turn.stop_reason is not None:
        return _STOP_REASONS.get(turn.stop_reason, turn.stop_reason)
    return "tool_use" if turn.tool_calls else "end_turn"


_MAIN_COUNTS = ("input_tokens", "output_tokens")


def _usage(turn: Turn, output_tokens: int) -> dict[str, Any] | None:
    usage: dict[str, Any] = {
        "input_tokens": turn.input_tokens,
        "cache_creation_input_tokens": turn.cache_write_tokens,
        "cache_read_input_tokens": turn.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": turn.cache_write_tokens - turn.cache_write_1h_tokens,
            "ephemeral_1h_input_tokens": turn.cache_write_1h_tokens,
        },
        "output_tokens": output_tokens,
    }
    if turn.reasoning_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": turn.reasoning_tokens}
    return usage_counts(turn.usage_fault, usage, _MAIN_COUNTS)


def _with_usage(payload: dict[str, Any], usage: dict[str, Any] | None) -> dict[str, Any]:
    """``payload`` with its ``usage`` (left out when a fault says there is none)."""
    if usage is not None:
        payload["usage"] = usage
    return payload


class AnthropicServer(LoopbackServer):
    """Answers like ``api.anthropic.com``; see :class:`LoopbackServer` for the options.

    The key is accepted in ``x-api-key`` or as ``authorization: Bearer <key>`` (the SDK
    sends the latter).
    """

    provider: ClassVar[str] = "anthropic"
    request_id_header: ClassVar[str] = "request-id"
    default_models: ClassVar[tuple[str, ...]] = ("claude-sonnet-4-6", "claude-haiku-4-5")

    def routes(self) -> Mapping[tuple[str, str], Route]:
        return {
            ("POST", "/v1/messages"): self._messages,
            ("POST", "/v1/messages/count_tokens"): self._count_tokens,
            ("GET", "/v1/models"): self._models,
            **self.batches.routes(),
        }

    @functools.cached_property
    def batches(self) -> AnthropicBatches:
        """The Message Batches of this server; ``batches.settings`` says how they behave."""
        return AnthropicBatches(self)

    def dynamic_route(self, method: str, path: str) -> Route | None:
        return self.batches.dynamic_route(method, path)

    def is_auth_header(self, name: str, value: str, secret: str) -> bool:
        return (name == "x-api-key" and value == secret) or (
            name == "authorization" and value == f"Bearer {secret}"
        )

    # ------------------------------------------------------------------ endpoints

    async def _messages(self, request: web.BaseRequest, body: dict[str, Any]) -> web.StreamResponse:
        _check_headers(request)
        _require(body, "model", str)
        _require(body, "max_tokens", int)
        _require(body, "messages", list)
        return await self.generate(request, body, stream=body.get("stream") is True)

    async def _count_tokens(
        self, request: web.BaseRequest, body: dict[str, Any]
    ) -> web.StreamResponse:
        """Counts by the documented rule of :mod:`._count_tokens`. Only an
        ``x-loopback-reply`` header scripts it (an error status); queued replies are left to
        the generation requests."""
        _check_headers(request)
        _require(body, "model", str)
        _require(body, "messages", list)
        if REPLY_HEADER in request.headers:
            reply = self.take_reply(request)
            if reply.status != 200:
                return self.error_response(
                    reply.status, reply.error_message, reply=reply, headers=reply.response_headers()
                )
        return self.json_response({"input_tokens": count_body(body)})

    async def _models(self, _request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        data = [
            {
                "type": "model",
                "id": model,
                "display_name": model,
                "created_at": "2025-01-01T00:00:00Z",
            }
            for model in self.models
        ]
        return self.json_response(
            {
                "data": data,
                "has_more": False,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    # ------------------------------------------------------------------ rendering

    def error_body(
        self, status: int, message: str | None, reply: Reply | None, request_id: str
    ) -> bytes:
        error_type, default_message = _error_kind(status)
        if reply is not None and reply.error_type is not None:
            error_type = reply.error_type
        payload = {
            "type": "error",
            "error": {"type": error_type, "message": message or default_message},
            "request_id": request_id,
        }
        return dumps(payload).encode()

    def stream_error_event(self, reply: Reply) -> bytes:
        error = {
            "type": reply.error_type or "overloaded_error",
            "message": reply.error_message or "Overloaded",
        }
        return sse(dumps({"type": "error", "error": error}), "error")

    def _message_id(self, turn: Turn, serial: int) -> str:
        return turn.id or f"msg_loopback{serial:012d}"

    def _tool_ids(self, turn: Turn, serial: int) -> list[str]:
        return [
            call.id or f"toolu_loopback{serial:08d}{index:04d}"
            for index, call in enumerate(turn.tool_calls)
        ]

    @functools.cached_property
    def prompt_cache(self) -> PromptCacheEmulator:
        """The emulated prompt cache: ``cache_control`` blocks write, later requests read."""
        return PromptCacheEmulator()

    def reset(self) -> None:
        """Forget the queued replies, the recorded requests and the emulated prompt cache."""
        super().reset()
        self.prompt_cache.reset()

    def render_message(self, turn: Turn, serial: int, body: dict[str, Any]) -> bytes:
        turn = self.prompt_cache.anthropic(turn, body)
        content: list[dict[str, Any]] = []
        if turn.thinking is not None:
            content.append(
                {
                    "type": "thinking",
                    "thinking": turn.thinking.text,
                    "signature": turn.thinking.signature,
                }
            )
        if turn.redacted_thinking is not None:
            content.append({"type": "redacted_thinking", "data": turn.redacted_thinking})
        if turn.text:
            content.append({"type": "text", "text": turn.text})
        for index, (call, tool_id) in enumerate(
            zip(turn.tool_calls, self._tool_ids(turn, serial), strict=True)
        ):
            arguments: object = call.arguments
            if call.raw_arguments is not None:
                arguments = RAW_INPUT_MARK.format(index)
            tool_use = {"type": "tool_use", "id": tool_id, "name": call.name, "input": arguments}
            content.append(tool_use)
        message = {
            "id": self._message_id(turn, serial),
            "type": "message",
            "role": "assistant",
            "model": turn.model,
            "content": content,
            "stop_reason": _stop_reason(turn),
            "stop_sequence": turn.stop_sequence,
        }
        rendered = dumps(_with_usage(message, _usage(turn, turn.output_tokens))).encode()
        for index, raw in enumerate(turn.raw_arguments):
            if raw is not None:
                mark = dumps(RAW_INPUT_MARK.format(index)).encode()
                rendered = rendered.replace(mark, raw.encode())
        return rendered

    def render_events(self, turn: Turn, serial: int, body: dict[str, Any]) -> list[bytes]:
        turn = self.prompt_cache.anthropic(turn, body)
        started: dict[str, Any] = {
            "id": self._message_id(turn, serial),
            "type": "message",
            "role": "assistant",
            "model": turn.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
        }
        start = {
            "type": "message_start",
            "message": _with_usage(started, _usage(turn, min(1, turn.output_tokens))),
        }
        events = [sse(dumps(start), "message_start"), sse('{"type":"ping"}', "ping")]
        index = 0
        if turn.thinking is not None:
            events.append(
                _block_start(index, {"type": "thinking", "thinking": "", "signature": ""})
            )
            events.extend(_deltas(index, "thinking_delta", "thinking", turn.thinking_chunks))
            events.extend(_deltas(index, "signature_delta", "signature", [turn.thinking.signature]))
            events.append(_block_stop(index))
            index += 1
        if turn.redacted_thinking is not None:
            redacted = {"type": "redacted_thinking", "data": turn.redacted_thinking}
            events.extend([_block_start(index, redacted), _block_stop(index)])
            index += 1
        if turn.text:
            events.append(_block_start(index, {"type": "text", "text": ""}))
            events.extend(_deltas(index, "text_delta", "text", turn.text_chunks))
            events.append(_block_stop(index))
            index += 1
        tool_ids = self._tool_ids(turn, serial)
        first_tool = index
        for call, tool_id, pieces in zip(
            turn.tool_calls, tool_ids, turn.argument_chunks, strict=True
        ):
            # same_tool_index: every tool block reuses the first one's index.
            block = first_tool if turn.same_tool_index else index
            tool_block = {"type": "tool_use", "id": tool_id, "name": call.name, "input": {}}
            events.append(_block_start(block, tool_block))
            events.extend(_deltas(block, "input_json_delta", "partial_json", pieces))
            events.append(_block_stop(block))
            index += 1
        delta = _with_usage(
            {
                "type": "message_delta",
                "delta": {"stop_reason": _stop_reason(turn), "stop_sequence": turn.stop_sequence},
            },
            _usage(turn, turn.output_tokens),
        )
        events.append(sse(dumps(delta), "message_delta"))
        events.append(sse('{"type":"message_stop"}', "message_stop"))
        return events


def _block_start(index: int, block: dict[str, Any]) -> bytes:
    payload = {"type": "content_block_start", "index": index, "content_block": block}
    return sse(dumps(payload), "content_block_start")


def _block_stop(index: int) -> bytes:
    return sse(f'{{"type":"content_block_stop","index":{index}}}', "content_block_stop")


def _deltas(index: int, delta_type: str, field: str, pieces: Iterable[str]) -> list[bytes]:
    # Built from a string template: a 1,000-piece stream costs one dumps() per piece.
    head = (
        f'{{"type":"content_block_delta","index":{index},"delta":{{"type":"{delta_type}","{field}":'
    )
    return [sse(f"{head}{dumps(piece)}}}}}", "content_block_delta") for piece in pieces]


def _check_headers(request: web.BaseRequest) -> None:
    if "anthropic-version" not in request.headers:
        raise InvalidRequest("anthropic-version: header is required")


def _require(body: dict[str, Any], field: str, kind: type) -> None:
    value = body.get(field)
    if value is None:
        raise InvalidRequest(f"{field}: Field required")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRequest(f"{field}: Input should be a valid {kind.__name__}")
