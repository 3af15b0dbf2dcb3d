"""The client of a ``litellm`` provider: LiteLLM itself, this provider's settings, and its
HTTP clients for one event loop.

LiteLLM has no client object (``litellm.acompletion`` is a function, and LiteLLM pools its
HTTP clients process-wide, shared by every caller), so the plugin's "client" holds what one
provider needs on one event loop: the litellm module, the call arguments, the plugin's own
HTTP clients (see ``_http``), and per-model routes and reasoning verdicts. The core makes
one per event loop (``create_client`` runs once per loop).

Closing a provider closes the clients it made on every loop. LiteLLM's pooled HTTP clients
(``in_memory_llm_clients_cache``, ``module_level_aclient``) are shared by every caller, so
they are released only when the **last** open ``litellm`` provider of the process closes:
closed (``litellm.close_litellm_async_clients``) and forgotten, so that a provider built
later gets new ones; LiteLLM's logging worker task is stopped then too, if it runs on the
closing loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import weakref
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from orchestify_core.plugin import HealthStatus, ProviderContext, RequestValidationError

from ._http import HttpClients
from ._import import load_litellm
from ._models import supports
from ._options import CallSettings
from ._routing import Route, resolve_route

__all__ = ["LiteLLMClient", "close_client", "create_client", "health_check"]

#: Environment variables LiteLLM may read a credential from (``ANTHROPIC_API_KEY``,
#: ``AZURE_API_KEY``, ``AWS_SECRET_ACCESS_KEY``, ``VERTEXAI_TOKEN``...).
_CREDENTIAL_NAME = re.compile(r"(API_KEY|ACCESS_KEY|SECRET|TOKEN|PASSWORD)", re.IGNORECASE)

_open: weakref.WeakSet[ProviderContext] = weakref.WeakSet()
_made: weakref.WeakKeyDictionary[ProviderContext, list[LiteLLMClient]] = weakref.WeakKeyDictionary()


def _litellm_version() -> str:
    try:
        return version("litellm")
    except PackageNotFoundError:  # pragma: no cover - litellm is a dependency
        return "unknown"


class LiteLLMClient:
    """What ``orchestify_create_client`` returns: one provider's client for one loop.

    Attributes:
        litellm: The imported ``litellm`` module.
        settings: The provider's call arguments (its key included, never shown).
        version: litellm's version.
        http: The provider's redirect-free HTTP clients for this loop.
    """

    def __init__(self, litellm: Any, settings: CallSettings, provider_id: str) -> None:
        self.litellm = litellm
        self.settings = settings
        self.provider_id = provider_id
        self.version = _litellm_version()
        self.http = HttpClients(litellm, settings)
        self._routes: dict[str, Route] = {}
        self._reasoning: dict[str, bool] = {}

    def __repr__(self) -> str:
        return (
            f"<LiteLLMClient provider={self.provider_id!r} litellm={self.version} "
            f"api_base={self.settings.api_base!r}>"
        )

    def route(self, model: str) -> Route:
        """Where LiteLLM sends ``model`` (cached); RequestValidationError if it cannot tell."""
        route = self._routes.get(model)
        if route is None:
            try:
                route = resolve_route(
                    self.litellm,
                    model,
                    custom_llm_provider=self.settings.custom_llm_provider,
                    api_base=self.settings.api_base,
                )
            except ValueError:
                raise RequestValidationError(
                    f"provider {self.provider_id!r}: LiteLLM cannot tell which backend serves "
                    f"model {model!r}; write it as 'provider/model' (for example "
                    f"'anthropic/{model}', 'azure/{model}' or 'ollama/{model}'), set "
                    "options.custom_llm_provider, or set base_url for an OpenAI-compatible "
                    "server"
                ) from None
            self._routes[model] = route
        return route

    async def reasons(self, route: Route) -> bool:
        """Whether LiteLLM says the model can reason (cached; looked up off the loop, as
        LiteLLM may ask a local server about a model it does not list)."""
        verdict = self._reasoning.get(route.model)
        if verdict is None:
            verdict = await asyncio.to_thread(
                supports, self.litellm, "reasoning", route.model, route.custom_llm_provider
            )
            self._reasoning[route.model] = verdict
        return verdict

    async def acompletion(self, route: Route, params: dict[str, Any]) -> Any:
        """``litellm.acompletion(**params)``, with this provider's HTTP client for the route
        when it takes one (see ``_http``)."""
        if "client" not in params:
            http = self.http.client_for(route)
            if http is not None:
                params["client"] = http
        return await self.litellm.acompletion(**params)


def _environment_secrets() -> list[str]:
    return [
        value
        for name, value in os.environ.items()
        if _CREDENTIAL_NAME.search(name) and len(value) >= 8
    ]


def create_client(provider: ProviderContext) -> LiteLLMClient:
    """The client of ``provider`` for one more event loop (litellm imported on first use).

    LiteLLM reads a backend's credential from its environment variable when the config has
    no ``api_key``, so those values are named to the core as secrets to scrub."""
    settings = CallSettings.of(provider)
    client = LiteLLMClient(load_litellm(settings.options), settings, provider.provider_id)
    if settings.api_key is None:
        for secret in _environment_secrets():
            provider.add_secret(secret)
    made = _made.setdefault(provider, [])
    for old in [c for c in made if c.http.loop_closed]:  # its sockets died with its loop
        old.http.dispose()
        made.remove(old)
    made.append(client)
    _open.add(provider)
    return client


async def close_client(provider: ProviderContext) -> None:
    """Close every client ``provider`` made; the last open provider of the process also
    releases LiteLLM's pooled clients."""
    clients = _made.pop(provider, [])
    for client in clients:
        await client.http.aclose()
    _open.discard(provider)
    if clients and not _open:
        await _release_pooled_clients(clients[0].litellm)


async def _release_pooled_clients(litellm: Any) -> None:
    """Close LiteLLM's pooled HTTP clients and forget them; stop its logging worker."""
    close = getattr(litellm, "close_litellm_async_clients", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()
    flush = getattr(getattr(litellm, "in_memory_llm_clients_cache", None), "flush_cache", None)
    if flush is not None:
        flush()
    vars(litellm).pop("module_level_aclient", None)
    await _stop_logging_worker()


async def _stop_logging_worker() -> None:
    """Stop LiteLLM's logging worker if its task runs on this loop (pending log calls are
    dropped: this provider's calls are sent with LiteLLM's no-log flag)."""
    module = sys.modules.get("litellm.litellm_core_utils.logging_worker")
    worker = getattr(module, "GLOBAL_LOGGING_WORKER", None)
    task = getattr(worker, "_worker_task", None)
    if worker is None or not isinstance(task, asyncio.Task) or task.done():
        return
    if task.get_loop() is not asyncio.get_running_loop():
        return
    with contextlib.suppress(Exception):
        await worker.stop(discard_pending=True)


async def health_check(client: LiteLLMClient, default_model: str) -> HealthStatus:
    """Check, without sending a request, that LiteLLM routes the default model and has a
    credential for it (LiteLLM has no free endpoint common to every backend)."""
    try:
        route = client.route(default_model)
    except RequestValidationError as exc:
        return HealthStatus(ok=False, detail=str(exc))
    settings = client.settings
    missing: list[str] = []
    validate = getattr(client.litellm, "validate_environment", None)
    if validate is not None:
        with contextlib.suppress(Exception):
            verdict = validate(
                model=default_model,
                api_key=settings.api_key,
                api_base=settings.api_base,
                api_version=settings.options.api_version,
            )
            missing = [str(name) for name in verdict.get("missing_keys", ())]
    endpoint = settings.api_base or "its default endpoint"
    detail = (
        f"litellm {client.version} routes {default_model!r} to {route.provider} at "
        f"{endpoint}; no request was sent"
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
