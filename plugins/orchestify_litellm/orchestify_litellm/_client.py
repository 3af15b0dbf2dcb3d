"""The client of a ``litellm`` provider: litellm itself plus this provider's settings.

LiteLLM has no client object (``litellm.acompletion`` is a function, and LiteLLM pools its
HTTP clients process-wide, shared by every caller), so the plugin's "client" holds what one
provider needs: the litellm module, the per-provider call arguments, and per-model routes
and reasoning verdicts. Closing it stops it from being used; closing the last open one of
the process also releases LiteLLM's pooled HTTP clients (see ``_pool``).
"""

from __future__ import annotations

import asyncio
import weakref
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from orchestify_core.errors import ProviderError, RequestValidationError

from ._capabilities import supports
from ._http import LoopClients
from ._pool import release_pooled_clients
from ._routing import Route, resolve_route
from ._settings import CallSettings

__all__ = ["LiteLLMClient"]

_open_clients: weakref.WeakSet[LiteLLMClient] = weakref.WeakSet()


def _litellm_version() -> str:
    try:
        return version("litellm")
    except PackageNotFoundError:  # pragma: no cover - litellm is a dependency
        return "unknown"


class LiteLLMClient:
    """What ``orchestify_create_client`` returns for a provider of type ``litellm``.

    Attributes:
        litellm: The imported ``litellm`` module.
        settings: The provider's call arguments (its key included, never shown).
        version: litellm's version.
        closed: Whether ``aclose()`` was called.
    """

    def __init__(self, litellm: Any, settings: CallSettings, provider_id: str) -> None:
        self.litellm = litellm
        self.settings = settings
        self.provider_id = provider_id
        self.version = _litellm_version()
        self.closed = False
        self._routes: dict[str, Route] = {}
        self._reasoning: dict[str, bool] = {}
        self.http = LoopClients(litellm, settings)
        _open_clients.add(self)

    def __repr__(self) -> str:
        return (
            f"<LiteLLMClient provider={self.provider_id!r} litellm={self.version} "
            f"api_base={self.settings.api_base!r} closed={self.closed}>"
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a message: the key."""
        return (self.settings.api_key,) if self.settings.api_key else ()

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

    def check_open(self) -> None:
        """Raise ProviderError if the client was closed."""
        if self.closed:
            raise ProviderError(f"provider {self.provider_id!r} was closed (aclose)")

    async def acompletion(self, route: Route, kwargs: dict[str, Any]) -> Any:
        """``litellm.acompletion`` with this provider's arguments added, and this provider's
        HTTP client for the running loop where the route takes one (see ``_http``)."""
        call = {**self.settings.call_kwargs(), **kwargs}
        if "client" not in call:
            http = self.http.client_for(route)
            if http is not None:
                call["client"] = http
        return await self.litellm.acompletion(**call)

    async def aclose(self) -> None:
        """Stop this client; the last open one also releases LiteLLM's pooled clients."""
        if self.closed:
            return
        self.closed = True
        _open_clients.discard(self)
        await self.http.aclose()
        if not _open_clients:
            await release_pooled_clients(self.litellm)
