"""The GenAI semantic conventions' attributes of a call and of its attempts.

Names follow the OpenTelemetry GenAI conventions (``gen_ai.*``, with ``gen_ai.provider.name``
for the provider); orchestify's own additions are under ``orchestify.*``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from orchestify_core.calltrace import AttemptTrace, CallTrace

__all__ = ["attempt_attributes", "call_attributes", "content_attributes", "provider_name"]

#: orchestify's types -> the conventions' ``gen_ai.provider.name`` values.
_PROVIDER_NAMES = {"anthropic": "anthropic", "openai": "openai", "litellm": "litellm"}


def provider_name(provider_type: str) -> str:
    return _PROVIDER_NAMES.get(provider_type, provider_type)


def _server(address: str | None) -> dict[str, Any]:
    if not address:
        return {}
    parts = urlsplit(address)
    found: dict[str, Any] = {}
    if parts.hostname:
        found["server.address"] = parts.hostname
    if parts.port:
        found["server.port"] = parts.port
    return found


def call_attributes(call: CallTrace) -> dict[str, Any]:
    """The call span's attributes: the request, and the final answer or error."""
    request = call.request
    found: dict[str, Any] = {
        "gen_ai.operation.name": call.operation,
        "gen_ai.provider.name": provider_name(call.provider_type),
        "gen_ai.request.model": request.model,
        "gen_ai.request.max_tokens": request.max_tokens,
        "orchestify.provider.id": call.provider_id,
        "orchestify.stream": call.stream,
        "orchestify.attempts": len(call.attempts),
        **_server(call.server_address),
    }
    if request.temperature is not None:
        found["gen_ai.request.temperature"] = request.temperature
    response = call.response
    if response is not None:
        found["gen_ai.response.model"] = response.model
        found["gen_ai.usage.input_tokens"] = response.tokens_input
        found["gen_ai.usage.output_tokens"] = response.tokens_output
        found["gen_ai.response.finish_reasons"] = [str(response.finish_reason)]
        if response.provider_id and response.provider_id != call.provider_id:
            found["orchestify.served_by"] = response.provider_id
    elif call.error is not None:
        found["error.type"] = type(call.error).__name__
    return found


def attempt_attributes(
    attempt: AttemptTrace, operation: str, address: str | None
) -> dict[str, Any]:
    """An attempt span's attributes: which provider and model, how it ended, its tokens."""
    found: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider_name(attempt.provider_type),
        "gen_ai.request.model": attempt.request_model,
        "gen_ai.usage.input_tokens": attempt.usage.input_tokens,
        "gen_ai.usage.output_tokens": attempt.usage.output_tokens,
        "orchestify.provider.id": attempt.provider_id,
        "orchestify.attempt": attempt.number,
        "orchestify.outcome": attempt.outcome,
    }
    if address:
        found.update(_server(address))
    if attempt.response_model:
        found["gen_ai.response.model"] = attempt.response_model
    if attempt.finish_reason:
        found["gen_ai.response.finish_reasons"] = [str(attempt.finish_reason)]
    if attempt.response_id:
        found["gen_ai.response.id"] = attempt.response_id
    if attempt.error_type:
        found["error.type"] = attempt.error_type
    if attempt.waited_s:
        found["orchestify.rate_limit.wait_s"] = attempt.waited_s
    if attempt.cost is not None:
        found["orchestify.cost_usd"] = str(attempt.cost)
    return found


def content_attributes(call: CallTrace) -> dict[str, Any]:
    """The messages and the answer, as the conventions' JSON (only when enabled)."""
    messages = [{"role": m.role, "parts": [{"type": "text", "content": m.text}]}
                for m in call.request.messages]  # fmt: skip
    found: dict[str, Any] = {"gen_ai.input.messages": json.dumps(messages)}
    if call.request.system:
        found["gen_ai.system_instructions"] = json.dumps(
            [{"type": "text", "content": call.request.system}]
        )
    if call.response is not None:
        answer = [{"role": "assistant", "parts": [{"type": "text",
                   "content": call.response.content}],
                   "finish_reason": str(call.response.finish_reason)}]  # fmt: skip
        found["gen_ai.output.messages"] = json.dumps(answer)
    return found
