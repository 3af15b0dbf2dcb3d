"""The results of an OpenAI batch: its output and error files, line by line, as results.

A finished batch names an output file (answers with status 200) and an error file (error
answers, and requests that never ran). Each line is
``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``:

- ``response.status_code`` 200: the body is a chat completion, translated exactly as a
  ``complete()`` answer is (:func:`._wire.response_from_answer`): SUCCEEDED.
- another status: the body is OpenAI's error body, translated as the same status would be
  for ``complete()`` (:func:`._errors.status_error_from_body`): ERRORED.
- ``response`` null and ``error.code`` ``batch_expired`` / ``batch_cancelled``: the request
  never ran: EXPIRED / CANCELLED; any other code (``request_timeout``): ERRORED.

A line that cannot be read (not JSON, no ``custom_id``) is logged and skipped: the core
reports every submitted id it gets no result for as expired, cancelled or errored, so
nothing is dropped. A line whose answer is malformed is that item's ERRORED result.
"""

from __future__ import annotations

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
    json_loads,
)

from ._errors import status_error_from_body, translate_error
from ._wire import response_from_answer

__all__ = ["batch_results", "result_from_line"]

logger = logging.getLogger(__name__)

_UNRUN = {"batch_expired": BatchOutcome.EXPIRED, "batch_cancelled": BatchOutcome.CANCELLED}


async def batch_results(provider: ProviderContext, batch_id: str) -> AsyncIterator[BatchItemResult]:
    """Every result the batch's output and error files hold, output file first."""
    import openai

    client = provider.client
    try:
        batch = await client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise translate_error(exc) from exc
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        try:
            content = (await client.files.content(file_id)).content
        except openai.OpenAIError as exc:
            raise translate_error(exc) from exc
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            result = result_from_line(line)
            if result is None:
                logger.warning(
                    "batch %s: line %d of file %s is not a result line; skipped",
                    batch_id,
                    number,
                    file_id,
                )
                continue
            yield result


def result_from_line(line: bytes) -> BatchItemResult | None:
    """The result one output or error line holds; None for a line that names no request."""
    try:
        data = json_loads(line)
    except ValueError:
        return None
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    if not isinstance(custom_id, str) or not custom_id:
        return None
    response = data.get("response")
    if isinstance(response, dict):
        return _answered(custom_id, response)
    return _unrun(custom_id, data.get("error"))


def _answered(custom_id: str, response: dict[str, Any]) -> BatchItemResult:
    status = response.get("status_code")
    body = response.get("body")
    request_id = response.get("request_id")
    request_id = request_id if isinstance(request_id, str) else None
    if not isinstance(status, int):
        error: ProviderError = MalformedResponseError(
            f"OpenAI batch result {custom_id!r} has no status code"
        )
        return BatchItemResult(custom_id, BatchOutcome.ERRORED, error=error)
    if status != 200:
        error = status_error_from_body(status, body, request_id)
        return BatchItemResult(custom_id, BatchOutcome.ERRORED, error=error)
    try:
        answer = response_from_answer(body, _placeholder(body))
    except Exception as exc:  # a malformed answer is this item's error, as in complete()
        error = MalformedResponseError(
            f"OpenAI batch result {custom_id!r} is not a chat completion: "
            f"{type(exc).__name__}: {exc}"
        )
        error.__cause__ = exc
        return BatchItemResult(custom_id, BatchOutcome.ERRORED, error=error)
    return BatchItemResult(custom_id, BatchOutcome.SUCCEEDED, response=answer)


def _unrun(custom_id: str, error: Any) -> BatchItemResult:
    """A line without a response: the request never ran, or failed without an answer."""
    details = error if isinstance(error, dict) else {}
    code = details.get("code") if isinstance(details.get("code"), str) else None
    message = details.get("message") if isinstance(details.get("message"), str) else None
    outcome = _UNRUN.get(code or "", BatchOutcome.ERRORED)
    text = f"OpenAI batch request {custom_id!r} did not run ({code or 'no code'})"
    return BatchItemResult(
        custom_id,
        outcome,
        error=APIError(f"{text}: {message}" if message else text, error_type=code),
    )


def _placeholder(body: Any) -> CompletionRequest:
    """The request a result answers, as far as the line tells: its model. The answer's own
    model and usage are what the translation reads; OpenAI's batch answers carry both."""
    model = body.get("model") if isinstance(body, dict) else None
    return CompletionRequest(
        messages=(), model=model if isinstance(model, str) else "", max_tokens=1
    )
