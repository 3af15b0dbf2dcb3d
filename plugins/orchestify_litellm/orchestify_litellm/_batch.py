"""Batches through LiteLLM's batch API, for the models it sends to OpenAI.

LiteLLM runs OpenAI's Batch API (``litellm.acreate_file``, ``acreate_batch``,
``aretrieve_batch``, ``acancel_batch``, ``afile_content``, with ``custom_llm_provider=
"openai"``) for ``openai/...`` models and for OpenAI-compatible servers (a ``base_url``).
Its other batch backends (Azure, Vertex AI, Bedrock) take other input formats and
credentials, so a batch of another route is refused with a
:class:`BatchNotSupportedError` naming the model, before anything is sent.

Each line's body is what ``litellm.acompletion`` sends for the same request: the plugin's
arguments (:func:`._request.build_params`) mapped by LiteLLM's own OpenAI parameter
mapping and request transformation (``get_optional_params`` and the model's chat config:
``max_completion_tokens`` and ``developer``/``user`` roles for the o-series...). Status,
cancel and results name no model: they are sent to the provider's endpoint when its default
model goes to OpenAI, and refused otherwise.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orchestify_core.plugin import (
    BatchCounts,
    BatchItem,
    BatchNotSupportedError,
    BatchPricing,
    BatchState,
    BatchStatus,
    ProviderContext,
    RequestValidationError,
)

from ._client import LiteLLMClient
from ._errors import cause_of, translate_error
from ._request import build_params
from ._routing import Route

__all__ = [
    "BATCH_ENDPOINT",
    "PRICE_FACTOR",
    "batch_call",
    "batch_kwargs",
    "batch_pricing",
    "batch_route",
    "batch_status",
    "cancel_batch",
    "check_endpoint",
    "check_routes",
    "request_body",
    "submit_batch",
]

BATCH_ENDPOINT = "/v1/chat/completions"
PRICE_FACTOR = Decimal("0.5")
"""OpenAI's documented Batch API discount: half the standard price."""

_BATCH_PROVIDER = "openai"
# The arguments of an acompletion call that are LiteLLM's or the transport's, not the body's.
_NOT_BODY = frozenset(
    {
        "api_key",
        "api_base",
        "api_version",
        "custom_llm_provider",
        "drop_params",
        "extra_headers",
        "max_retries",
        "messages",
        "model",
        "no-log",
        "num_retries",
        "organization",
        "stream",
        "stream_options",
        "timeout",
    }
)
_STATES: Mapping[str, BatchState] = {
    "validating": BatchState.IN_PROGRESS,
    "in_progress": BatchState.IN_PROGRESS,
    "finalizing": BatchState.ENDING,
    "completed": BatchState.ENDED,
    "failed": BatchState.FAILED,
    "expired": BatchState.EXPIRED,
    "cancelling": BatchState.CANCELLING,
    "cancelled": BatchState.CANCELLED,
}
_END_TIMES = ("completed_at", "failed_at", "expired_at", "cancelled_at")


def batch_route(provider: ProviderContext, model: str) -> Route:
    """The route of ``model`` if LiteLLM batches it (through OpenAI's Batch API).

    :raises BatchNotSupportedError: naming the model and where LiteLLM sends it.
    """
    client: LiteLLMClient = provider.client
    route = client.route(model)
    if route.provider != _BATCH_PROVIDER:
        raise BatchNotSupportedError(
            provider.provider_id,
            provider.provider_type,
            f"LiteLLM sends model {model!r} to {route.provider or 'an unknown backend'!r}; "
            "the litellm type runs batches only for models LiteLLM sends to OpenAI "
            "('openai/...', or any model of an OpenAI-compatible base_url)",
        )
    return route


def check_routes(provider: ProviderContext, items: Sequence[BatchItem]) -> None:
    """Refuse a batch with a model LiteLLM does not batch, before anything is sent."""
    for model in dict.fromkeys(item.request.model for item in items):
        batch_route(provider, model)


def check_endpoint(provider: ProviderContext) -> None:
    """Refuse status, results and cancel unless the provider's default model goes to
    OpenAI: those calls name no model, so that is where they are sent."""
    batch_route(provider, provider.config.default_model)


def batch_kwargs(client: LiteLLMClient) -> dict[str, Any]:
    """The arguments LiteLLM's file and batch calls take from the provider: OpenAI, its
    key, endpoint, headers and organization, no retries (the core decides), and LiteLLM's
    logging off unless the options ask for its callbacks."""
    settings = client.settings
    kwargs: dict[str, Any] = {"custom_llm_provider": _BATCH_PROVIDER, "max_retries": 0}
    if settings.api_key:
        kwargs["api_key"] = settings.api_key
    if settings.api_base:
        kwargs["api_base"] = settings.api_base
    if settings.extra_headers:
        kwargs["extra_headers"] = dict(settings.extra_headers)
    if settings.organization:
        kwargs["organization"] = settings.organization
    if not settings.options.litellm_callbacks:
        kwargs["no-log"] = True  # as for completions: LiteLLM's logging only when asked
    return kwargs


def request_body(client: LiteLLMClient, route: Route, params: Mapping[str, Any]) -> dict[str, Any]:
    """The body ``acompletion(**params)`` sends to OpenAI, built by LiteLLM's own mapping."""
    from litellm.utils import ProviderConfigManager, get_optional_params

    litellm = client.litellm
    model, provider, _, _ = litellm.get_llm_provider(
        model=route.model, custom_llm_provider=route.custom_llm_provider
    )
    arguments = {key: value for key, value in params.items() if key not in _NOT_BODY}
    optional = get_optional_params(
        model=model,
        custom_llm_provider=provider,
        drop_params=params.get("drop_params"),
        **arguments,
    )
    config = ProviderConfigManager.get_provider_chat_config(
        model=model, provider=litellm.LlmProviders(provider)
    )
    if config is None:
        raise RequestValidationError(f"LiteLLM has no request mapping of model {model!r}")
    body: dict[str, Any] = config.transform_request(
        model=model,
        messages=params["messages"],
        optional_params=optional,
        litellm_params={},
        headers={},
    )
    if body.get("stream") is False:
        del body["stream"]
    extra = body.pop("extra_body", None)
    if isinstance(extra, Mapping):
        body.update(extra)  # as the openai SDK merges extra_body into the body
    return body


async def _line(client: LiteLLMClient, item: BatchItem, provider: ProviderContext) -> str:
    request = item.request
    route = batch_route(provider, request.model)
    reasoning = request.thinking and await client.reasons(route)
    params = build_params(request, client.settings, route, reasoning=reasoning, stream=False)
    line = {
        "custom_id": item.custom_id,
        "method": "POST",
        "url": BATCH_ENDPOINT,
        "body": request_body(client, route, params),
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


async def batch_call(name: str, client: LiteLLMClient, **arguments: Any) -> Any:
    """``litellm.<name>(**arguments, **batch_kwargs)``, its failure translated."""
    call = getattr(client.litellm, name)
    try:
        return await call(**arguments, **batch_kwargs(client))
    except Exception as exc:
        error = translate_error(exc)
        if error is None:
            raise
        raise error from cause_of(exc)


async def submit_batch(provider: ProviderContext, items: Sequence[BatchItem]) -> BatchStatus:
    """Upload the JSONL input file and create the batch (the file is deleted again when the
    batch cannot be created)."""
    client: LiteLLMClient = provider.client
    lines = [await _line(client, item, provider) for item in items]
    content = ("\n".join(lines) + "\n").encode()
    uploaded = await batch_call(
        "acreate_file", client, file=("orchestify-batch.jsonl", content), purpose="batch"
    )
    try:
        batch = await batch_call(
            "acreate_batch",
            client,
            completion_window="24h",
            endpoint=BATCH_ENDPOINT,
            input_file_id=uploaded.id,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            await batch_call("afile_delete", client, file_id=uploaded.id)
        raise
    return to_status(provider.provider_id, batch)


async def batch_status(provider: ProviderContext, batch_id: str) -> BatchStatus:
    check_endpoint(provider)
    batch = await batch_call("aretrieve_batch", provider.client, batch_id=batch_id)
    return to_status(provider.provider_id, batch)


async def cancel_batch(provider: ProviderContext, batch_id: str) -> BatchStatus:
    check_endpoint(provider)
    batch = await batch_call("acancel_batch", provider.client, batch_id=batch_id)
    return to_status(provider.provider_id, batch)


def batch_pricing() -> BatchPricing:
    """Half the standard price (LiteLLM's cost map has no batch prices to read here)."""
    return BatchPricing(price_factor=PRICE_FACTOR)


def to_status(provider_id: str, batch: Any) -> BatchStatus:
    """LiteLLM's ``LiteLLMBatch`` (OpenAI's ``Batch``) in orchestify's words. LiteLLM keeps
    no headers of these answers, so no ``retry-after`` reaches the poller."""
    state = _STATES.get(batch.status, BatchState.IN_PROGRESS)
    return BatchStatus(
        id=batch.id,
        provider_id=provider_id,
        state=state,
        counts=_counts(batch.request_counts, state),
        created_at=_time(batch.created_at),
        expires_at=_time(batch.expires_at),
        ended_at=next(
            (_time(getattr(batch, name)) for name in _END_TIMES if getattr(batch, name)), None
        ),
        provider_state=batch.status,
        detail=_failure(batch),
    )


def _counts(counts: Any, state: BatchState) -> BatchCounts:
    if counts is None:
        return BatchCounts()
    unrun = max(counts.total - counts.completed - counts.failed, 0)
    return BatchCounts(
        processing=0 if state.is_final else unrun,
        succeeded=counts.completed,
        errored=counts.failed,
        expired=unrun if state is BatchState.EXPIRED else 0,
        cancelled=unrun if state is BatchState.CANCELLED else 0,
    )


def _failure(batch: Any, shown: int = 3) -> str:
    """Why OpenAI refused the batch as a whole: its first validation errors, one line."""
    errors = batch.errors.data if batch.errors is not None else None
    if not errors:
        return ""
    described = []
    for error in errors[:shown]:
        where = f"line {error.line}: " if error.line is not None else ""
        code = error.code or "error"
        described.append(where + (f"{code}: {error.message}" if error.message else code))
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "; ".join(described) + more


def _time(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None
