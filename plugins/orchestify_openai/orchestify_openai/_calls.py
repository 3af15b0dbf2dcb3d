"""The non-streaming calls: a completion, the health check, closing the client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestify_core.models import CompletionRequest, HealthStatus, LLMResponse, ProviderContext

from ._client import options_of, secrets_of
from ._errors import translate
from ._request import build_params
from ._responses import to_response

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["close", "complete", "health_check"]


async def complete(provider: ProviderContext, request: CompletionRequest) -> LLMResponse:
    """One ``chat.completions.create`` call, translated both ways."""
    client: AsyncOpenAI = provider.client
    params = build_params(request, options_of(provider), stream=False)
    try:
        completion = await client.chat.completions.create(**params)
    except Exception as exc:
        error = translate(exc, secrets=secrets_of(provider))
        if error is None:
            raise
        raise error from exc
    return to_response(completion, request)


async def health_check(provider: ProviderContext) -> HealthStatus:
    """List the models: a free call that needs a valid key."""
    client: AsyncOpenAI = provider.client
    try:
        page = await client.models.list()
    except Exception as exc:
        error = translate(exc, secrets=secrets_of(provider))
        if error is None:
            raise
        return HealthStatus(ok=False, detail=f"{type(error).__name__}: {error}")
    return HealthStatus(ok=True, detail=f"{len(page.data)} models available")


async def close(provider: ProviderContext) -> None:
    """Close the client's connection pool."""
    client: AsyncOpenAI = provider.client
    await client.close()
