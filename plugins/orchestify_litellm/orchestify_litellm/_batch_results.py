"""The results of a batch LiteLLM ran on OpenAI: its output and error files, line by line.

Each line is OpenAI's ``{"id", "custom_id", "response": {"status_code", "request_id",
"body"}, "error"}``. A 200 body is a chat completion: LiteLLM's ``ModelResponse`` is built
from it and translated as a ``complete()`` answer is (:func:`._response.to_response`).
Another status is the error of that status, with OpenAI's error message; a line without a
response is EXPIRED (``batch_expired``), CANCELLED (``batch_cancelled``) or ERRORED. A line
that names no request is skipped with a warning: the core reports every submitted id it
gets no result for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from orchestify_core.plugin import (
    APIError,
    BatchItemResult,
    BatchOutcome,
    CompletionRequest,
    MalformedResponseError,
    ProviderContext,
    ProviderError,
    RequestValidationError,
    api_error,
    error_for_status,
)

from ._batch import batch_call, batch_route, check_endpoint
from ._client import LiteLLMClient
from ._response import to_response
from ._routing import Route

__all__ = ["batch_results", "result_from_line"]

logger = logging.getLogger(__name__)

_UNRUN = {"batch_expired": BatchOutcome.EXPIRED, "batch_cancelled": BatchOutcome.CANCELLED}


async def batch_results(provider: ProviderContext, batch_id: str) -> AsyncIterator[BatchItemResult]:
    """Every result the batch's output and error files hold, output file first."""
    check_endpoint(provider)
    client: LiteLLMClient = provider.client
    batch = await batch_call("aretrieve_batch", client, batch_id=batch_id)
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        content = (await batch_call("afile_content", client, file_id=file_id)).content
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            result = result_from_line(provider, client, line)
            if result is None:
                logger.warning(
                    "batch %s: line %d of file %s is not a result line; skipped",
                    batch_id,
                    number,
                    file_id,
                )
                continue
            yield result


def result_from_line(
    provider: ProviderContext, client: LiteLLMClient, line: bytes
) -> BatchItemResult | None:
    """The result one output or error line holds; None for a line that names no request."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    if not isinstance(custom_id, str) or not custom_id:
        return None
    response = data.get("response")
    if not isinstance(response, dict):
        return _unrun(custom_id, data.get("error"))
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        return BatchItemResult(custom_id, BatchOutcome.ERRORED, error=_status_error(status, body))
    try:
        answer = _answer(provider, client, body)
    except Exception as exc:  # a malformed answer is this item's error, as in complete()
        error = MalformedResponseError(
            f"batch result {custom_id!r} is not a chat completion: {type(exc).__name__}: {exc}"
        )
        error.__cause__ = exc
        return BatchItemResult(custom_id, BatchOutcome.ERRORED, error=error)
    return BatchItemResult(custom_id, BatchOutcome.SUCCEEDED, response=answer)


def _answer(provider: ProviderContext, client: LiteLLMClient, body: Any) -> Any:
    """The LLMResponse of a 200 body, in the ``openai/...`` form of the model that served it
    (the prefix keeps the price lookup on OpenAI's price)."""
    served = body.get("model") if isinstance(body, dict) else None
    model = served if isinstance(served, str) and served else provider.config.default_model
    route = _route(provider, model)
    request = CompletionRequest(messages=(), model=route.model, max_tokens=1)
    return to_response(client.litellm.ModelResponse(**body), request, route=route)


def _route(provider: ProviderContext, model: str) -> Route:
    """The route the answer came back on: ``openai/<model>`` unless the model already
    names its route (an OpenAI-compatible server's own id)."""
    try:
        return batch_route(provider, f"openai/{model}" if "/" not in model else model)
    except RequestValidationError:
        return batch_route(provider, provider.config.default_model)


def _status_error(status: object, body: object) -> ProviderError:
    payload = body.get("error") if isinstance(body, dict) else None
    error = payload if isinstance(payload, dict) else {}
    message = error.get("message") if isinstance(error.get("message"), str) else "error"
    kind = error.get("type") or error.get("code")
    error_type = kind if isinstance(kind, str) else None
    if not isinstance(status, int):
        return MalformedResponseError("a batch result line has no status code")
    return api_error(
        error_for_status(status),
        f"OpenAI API error {status}" + (f" ({error_type})" if error_type else "") + f": {message}",
        status_code=status,
        error_type=error_type,
    )


def _unrun(custom_id: str, error: Any) -> BatchItemResult:
    details = error if isinstance(error, dict) else {}
    code = details.get("code") if isinstance(details.get("code"), str) else None
    message = details.get("message") if isinstance(details.get("message"), str) else None
    outcome = _UNRUN.get(code or "", BatchOutcome.ERRORED)
    text = f"batch request {custom_id!r} did not run ({code or 'no code'})"
    return BatchItemResult(
        custom_id,
        outcome,
        error=APIError(f"{text}: {message}" if message else text, error_type=code),
    )
