"""One non-streamed completion, the health check, and closing the client.

LiteLLM's retries are off for every call (see ``_settings``); a failed attempt, whatever
was raised while calling LiteLLM or reading its answer, is translated (``_errors``) to a
typed error with the key scrubbed from its chain and raised to the core, which retries,
fails over and accounts it.
"""

from __future__ import annotations

from typing import Any

from orchestify_core.config import ProviderConfig
from orchestify_core.errors import OrchestifyError, RequestValidationError
from orchestify_core.models import CompletionRequest, HealthStatus, LLMResponse

from ._client import LiteLLMClient
from ._errors import safe_cause, translate
from ._request import build_kwargs
from ._responses import to_response
from ._routing import Route

__all__ = ["close", "complete", "health_check", "prepare"]


async def prepare(
    client: LiteLLMClient, request: CompletionRequest, *, stream: bool
) -> tuple[Route, dict[str, Any]]:
    """The route of the request's model and the arguments of its ``acompletion`` call."""
    route = client.route(request.model)
    reasoning = request.thinking and await client.reasons(route)
    return route, build_kwargs(request, route, reasoning=reasoning, stream=stream)


async def complete(client: LiteLLMClient, request: CompletionRequest) -> LLMResponse:
    """Send one request through ``litellm.acompletion`` and read its answer."""
    route, kwargs = await prepare(client, request, stream=False)
    client.check_open()
    try:
        response = await client.acompletion(route, kwargs)
        return to_response(response, route, request)
    except OrchestifyError:
        raise
    except Exception as exc:
        raise translate(exc, secrets=client.secrets) from safe_cause(exc, client.secrets)


async def health_check(client: LiteLLMClient, config: ProviderConfig) -> HealthStatus:
    """Check, without sending a request, that LiteLLM routes the default model and has a
    credential for it (LiteLLM has no free endpoint common to every backend)."""
    model = config.default_model
    try:
        route = client.route(model)
    except RequestValidationError as exc:
        return HealthStatus(ok=False, detail=str(exc))
    settings = client.settings
    missing: list[str] = []
    validate = getattr(client.litellm, "validate_environment", None)
    if validate is not None:
        try:
            verdict = validate(
                model=model,
                api_key=settings.api_key,
                api_base=settings.api_base,
                api_version=settings.passthrough.get("api_version"),
            )
            missing = [str(name) for name in verdict.get("missing_keys", ())]
        except Exception:
            missing = []
    endpoint = settings.api_base or "its default endpoint"
    detail = (
        f"litellm {client.version} routes {model!r} to {route.provider} at {endpoint}; "
        "no request was sent"
    )
    credentials = [name for name in missing if "KEY" in name or "TOKEN" in name]
    if credentials:
        return HealthStatus(
            ok=False,
            detail=f"{detail}; no api_key is configured and {', '.join(credentials)} is not set",
        )
    if missing:
        detail += f" (not set, LiteLLM's defaults apply: {', '.join(missing)})"
    return HealthStatus(ok=True, detail=detail)


async def close(client: LiteLLMClient) -> None:
    """Stop the client from being used; the last one releases LiteLLM's HTTP clients."""
    await client.aclose()
