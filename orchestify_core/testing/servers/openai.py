"""A loopback server speaking the OpenAI Chat Completions API.

Endpoints: ``POST /v1/chat/completions`` (JSON, or SSE chunks with ``"stream": true``),
``GET /v1/models``, and the Files and Batch APIs (:mod:`._batches_openai`). ``base_url``
ends in ``/v1``, as ``openai.AsyncOpenAI(base_url=...)`` expects.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web

from ._base import InvalidRequest, LoopbackServer, Route
from ._batches_openai import OpenAIBatches
from ._prompt_cache import PromptCacheEmulator
from ._script import Reply
from ._turn import Turn, usage_counts
from ._wire import dumps, sse

__all__ = ["OpenAIServer"]

# status -> (error.type, error.code, error.message)
_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model does not exist or you do not have access to it.",
    ),
    409: ("invalid_request_error", None, "The request conflicts with another request."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}

# Either provider's stop reasons, translated to OpenAI's finish reasons.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "refusal": "content_filter",
}

_DONE = b"data: [DONE]\n\n"


def _error_kind(status: int) -> tuple[str, str | None, str]:
    if status in _ERRORS:
        return _ERRORS[status]
    return _ERRORS[500] if status >= 500 else _ERRORS[400]


def _finish_reason(turn: Turn) -> str:
    if turn.stop_reason is not None:
        return _FINISH_REASONS.get(turn.stop_reason, turn.stop_reason)
    return "tool_calls" if turn.tool_calls else "stop"


_MAIN_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _usage(turn: Turn) -> dict[str, Any] | None:
    prompt = turn.input_tokens + turn.cache_read_tokens + turn.cache_write_tokens
    prompt_details: dict[str, int] = {"cached_tokens": turn.cache_read_tokens, "audio_tokens": 0}
    if turn.cache_write_tokens:
        prompt_details["cache_write_tokens"] = turn.cache_write_tokens
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": turn.output_tokens,
        "total_tokens": prompt + turn.output_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": {
            "reasoning_tokens": turn.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    return usage_counts(turn.usage_fault, usage, _MAIN_COUNTS)


def _include_usage(body: dict[str, Any]) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


class OpenAIServer(LoopbackServer):
    """Answers like ``api.openai.com/v1``; see :class:`LoopbackServer` for the options.

    Thinking blocks of a reply are not sent (chat completions do not expose reasoning);
    its ``reasoning_tokens`` show in ``completion_tokens_details``.
    """

    provider: ClassVar[str] = "openai"
    api_prefix: ClassVar[str] = "/v1"
    request_id_header: ClassVar[str] = "x-request-id"
    default_models: ClassVar[tuple[str, ...]] = ("gpt-5.4-mini", "gpt-5.5")

    @functools.cached_property
    def batches(self) -> OpenAIBatches:
        """The Files and Batch APIs: uploaded files, batches, and how batches progress."""
        return OpenAIBatches(self)

    @functools.cached_property
    def prompt_cache(self) -> PromptCacheEmulator:
        """The emulated prompt cache: a repeated ``prompt_cache_key`` reads its prefix."""
        return PromptCacheEmulator()

    def reset(self) -> None:
        """Forget the queued replies, the recorded requests and the emulated prompt cache."""
        super().reset()
        self.prompt_cache.reset()

    def routes(self) -> Mapping[tuple[str, str], Route]:
        return {
            ("POST", "/v1/chat/completions"): self._chat_completions,
            ("GET", "/v1/models"): self._models,
            **self.batches.routes(),
        }

    def dynamic_route(self, method: str, path: str) -> Route | None:
        return self.batches.dynamic_route(method, path)

    def is_auth_header(self, name: str, value: str, secret: str) -> bool:
        return name == "authorization" and value == f"Bearer {secret}"

    # ------------------------------------------------------------------ endpoints

    async def _chat_completions(
        self, request: web.BaseRequest, body: dict[str, Any]
    ) -> web.StreamResponse:
        if not isinstance(body.get("model"), str):
            raise InvalidRequest("you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise InvalidRequest("'messages' must be a non-empty array")
        return await self.generate(request, body, stream=body.get("stream") is True)

    async def _models(self, _request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        data = [
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "loopback"}
            for model in self.models
        ]
        return self.json_response({"object": "list", "data": data})

    # ------------------------------------------------------------------ rendering

    def _error(self, status: int, message: str | None, reply: Reply | None) -> dict[str, Any]:
        error_type, code, default_message = _error_kind(status)
        if reply is not None:
            error_type = reply.error_type or error_type
            code = reply.error_code or code
        return {
            "message": message or default_message,
            "type": error_type,
            "param": None,
            "code": code,
        }

    def error_body(
        self, status: int, message: str | None, reply: Reply | None, request_id: str
    ) -> bytes:
        return dumps({"error": self._error(status, message, reply)}).encode()

    def stream_error_event(self, reply: Reply) -> bytes:
        return sse(dumps({"error": self._error(500, reply.error_message, reply)}))

    def _tool_calls(self, turn: Turn, serial: int) -> list[dict[str, Any]]:
        return [
            {
                "id": call.id or f"call_loopback{serial:08d}{index:04d}",
                "type": "function",
                "function": {"name": call.name, "arguments": arguments},
            }
            for index, (call, arguments) in enumerate(
                zip(turn.tool_calls, turn.argument_json, strict=True)
            )
        ]

    def _completion_id(self, turn: Turn, serial: int) -> str:
        return turn.id or f"chatcmpl-loopback{serial:012d}"

    def render_message(self, turn: Turn, serial: int, body: dict[str, Any]) -> bytes:
        turn = self.prompt_cache.openai(turn, body)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": turn.text or None,
            "refusal": None,
            "annotations": [],
        }
        if turn.tool_calls:
            message["tool_calls"] = self._tool_calls(turn, serial)
        completion = {
            "id": self._completion_id(turn, serial),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": turn.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": _finish_reason(turn),
                }
            ],
            "service_tier": "default",
            "system_fingerprint": "fp_loopback",
        }
        usage = _usage(turn)
        if usage is not None:
            completion["usage"] = usage
        return dumps(completion).encode()

    def render_events(self, turn: Turn, serial: int, body: dict[str, Any]) -> list[bytes]:
        turn = self.prompt_cache.openai(turn, body)
        include_usage = _include_usage(body)
        # Every chunk shares its envelope; only the choice differs, so build it once.
        head = (
            f'{{"id":{dumps(self._completion_id(turn, serial))},'
            f'"object":"chat.completion.chunk","created":{int(time.time())},'
            f'"model":{dumps(turn.model)},"system_fingerprint":"fp_loopback",'
        )
        tail = ',"usage":null}' if include_usage else "}"

        def chunk(delta: str, finish_reason: str | None = None) -> bytes:
            finish = dumps(finish_reason)
            choice = f'{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}'
            return sse(f'{head}"choices":[{choice}]{tail}')

        first = {"role": "assistant", "content": "" if turn.text else None, "refusal": None}
        events = [chunk(dumps(first))]
        events.extend(chunk(f'{{"content":{dumps(piece)}}}') for piece in turn.text_chunks)
        for position, (call, pieces) in enumerate(
            zip(self._tool_calls(turn, serial), turn.argument_chunks, strict=True)
        ):
            # same_tool_index: every call says index 0, though each has its own id.
            index = 0 if turn.same_tool_index else position
            opening = {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            events.append(chunk(dumps({"tool_calls": [opening]})))
            events.extend(
                chunk(
                    f'{{"tool_calls":[{{"index":{index},'
                    f'"function":{{"arguments":{dumps(piece)}}}}}]}}'
                )
                for piece in pieces
            )
        events.append(chunk("{}", _finish_reason(turn)))
        usage = _usage(turn)
        if include_usage and usage is not None:
            events.append(sse(f'{head}"choices":[],"usage":{dumps(usage)}}}'))
        events.append(_DONE)
        return events
