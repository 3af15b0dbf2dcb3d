"""What a provider knows of its models: validity, capabilities and prices, asked once each.

A mixin of :class:`~orchestify_core.provider.LLMProvider`, kept apart so the provider's
module holds the calls; each answer comes from the provider type's hooks and is cached per
model for the provider's life.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .errors import RequestValidationError
from .lifecycle import warn_if_retiring
from .models import ModelCapabilities
from .tokens import ModelPrice

if TYPE_CHECKING:
    from .context import ProviderContext
    from .requests import CallDefaults

__all__ = ["ModelKnowledge"]

logger = logging.getLogger("orchestify_core.provider")


class ModelKnowledge:
    """Model validation, capabilities and prices of one provider (see the module)."""

    _hooks: Any
    _context: ProviderContext
    _capabilities: dict[str, ModelCapabilities]
    _prices: dict[str, ModelPrice | None]
    _valid_models: set[str]
    _defaults: CallDefaults

    @property
    def provider_id(self) -> str:
        """The id under which the provider is registered."""
        return self._context.provider_id

    @property
    def provider_type(self) -> str:
        """The plugin type: ``anthropic``, ``openai``, ``litellm``, ..."""
        return self._context.provider_type

    @property
    def default_model(self) -> str:
        """The model a call uses when it names none."""
        return self._defaults.model or self._context.config.default_model

    def validate_model(self, model: str) -> None:
        """Ask the plugin whether it serves ``model``; raises RequestValidationError if not."""
        if model in self._valid_models:
            return
        if not model:
            raise RequestValidationError(f"provider {self.provider_id!r}: the model is empty")
        self._hooks.orchestify_validate_model(provider=self._context, model=model)
        warn_if_retiring(self._hooks, self.provider_id, self.provider_type, model)
        self._valid_models.add(model)

    def capabilities(self, model: str | None = None) -> ModelCapabilities:
        """What ``model`` (default: the default model) can do, through the capability hook."""
        model = model or self.default_model
        caps = self._capabilities.get(model)
        if caps is None:
            caps = self._hooks.orchestify_capabilities(provider=self._context, model=model)
            if caps is None:
                caps = ModelCapabilities(tools=True, vision=True, thinking=True, known=False)
            self._capabilities[model] = caps
        return caps

    def supports_tools(self) -> bool:
        return self.capabilities().tools

    def supports_thinking(self) -> bool:
        return self.capabilities().thinking

    def supports_code_execution(self) -> bool:
        return self.capabilities().code_execution

    def supports_vision(self) -> bool:
        return self.capabilities().vision

    def price(self, model: str | None = None) -> ModelPrice | None:
        """The price of ``model``: the config's override, else the plugin's, else None."""
        model = model or self.default_model
        if model in self._prices:
            return self._prices[model]
        price = self._context.config.price_override(model)
        if price is None:
            price = self._hooks.orchestify_pricing(provider=self._context, model=model)
        if price is None:
            logger.info(
                "provider %s: model %s has no known price; its calls are accounted as unpriced",
                self.provider_id,
                model,
            )
        self._prices[model] = price
        return price

    def _price_of(self, served: str, requested: str) -> ModelPrice | None:
        price = self.price(served)
        if price is None and served != requested:
            price = self.price(requested)
        return price
