"""orchestify-core: one async interface to many LLM providers, through installable plugins.

Importing this package imports no provider SDK: plugins are loaded by type, on demand.
"""

from __future__ import annotations

from typing import Any

from .batch import (
    BatchCounts,
    BatchItem,
    BatchItemResult,
    BatchOutcome,
    BatchPricing,
    BatchState,
    BatchStatus,
)
from .catalog import CatalogEntry
from .config import (
    AgentConfig,
    AgentsConfig,
    CircuitBreakerConfig,
    OrchestifyConfig,
    PriceConfig,
    ProviderConfig,
    ProvidersConfig,
    RetryConfig,
    dump_config,
    load_config,
    loads_config,
)
from .counting import TokenCount
from .errors import (
    AgentNotFoundError,
    AllProvidersFailedError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchNotSupportedError,
    BudgetExceededError,
    CircuitOpenError,
    ConfigError,
    ContextWindowExceededError,
    DuplicatePluginError,
    InternalServerError,
    LedgerUnavailableError,
    MalformedResponseError,
    NotFoundError,
    OrchestifyError,
    OverloadedError,
    PermissionDeniedError,
    PluginError,
    PluginLoadError,
    ProviderError,
    ProviderNotFoundError,
    RateLimitError,
    RequestValidationError,
    StreamInterruptedError,
    UnknownProviderTypeError,
    UnsupportedCapabilityError,
    error_for_status,
)
from .hookspecs import hookimpl
from .models import (
    CacheMark,
    CompletionRequest,
    FinishReason,
    HealthStatus,
    ImagePart,
    LLMMessage,
    LLMResponse,
    ModelCapabilities,
    ModelPrice,
    ProviderContext,
    RedactedThinking,
    RedactedThinkingPart,
    StreamDone,
    StreamEnd,
    TextDelta,
    TextPart,
    ThinkingDelta,
    ThinkingPart,
    ToolCall,
    ToolCallComplete,
    ToolCallDelta,
    ToolDefinition,
    ToolResultPart,
    Usage,
    UsageEvent,
)
from .provider import LLMProvider
from .registry import ProviderRegistry
from .secret import Secret
from .streaming import EventStream, TextStream
from .usage import Attempt, Outcome, TokenUsage

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AgentConfig",
    "AgentNotFoundError",
    "AgentsConfig",
    "AllProvidersFailedError",
    "Attempt",
    "AuthenticationError",
    "BadRequestError",
    "BatchCounts",
    "BatchItem",
    "BatchItemResult",
    "BatchJob",
    "BatchNotSupportedError",
    "BatchOutcome",
    "BatchPricing",
    "BatchState",
    "BatchStatus",
    "BudgetAlert",
    "BudgetExceededError",
    "BudgetStatus",
    "CacheMark",
    "CatalogEntry",
    "CircuitBreakerConfig",
    "CircuitOpenError",
    "CompletionRequest",
    "ConfigError",
    "ContextWindowExceededError",
    "DuplicatePluginError",
    "EventStream",
    "FinishReason",
    "HealthStatus",
    "ImagePart",
    "InternalServerError",
    "LLMMessage",
    "LLMProvider",
    "LLMResponse",
    "Ledger",
    "LedgerStore",
    "LedgerUnavailableError",
    "MalformedResponseError",
    "ModelCapabilities",
    "ModelPrice",
    "NotFoundError",
    "OrchestifyConfig",
    "OrchestifyError",
    "Outcome",
    "OverloadedError",
    "PermissionDeniedError",
    "PluginError",
    "PluginLoadError",
    "PriceConfig",
    "ProviderConfig",
    "ProviderContext",
    "ProviderError",
    "ProviderNotFoundError",
    "ProviderRegistry",
    "ProvidersConfig",
    "RateLimitError",
    "RedactedThinking",
    "RedactedThinkingPart",
    "RequestValidationError",
    "RetryConfig",
    "Secret",
    "StreamDone",
    "StreamEnd",
    "StreamInterruptedError",
    "TextDelta",
    "TextPart",
    "TextStream",
    "ThinkingDelta",
    "ThinkingPart",
    "TokenCount",
    "TokenUsage",
    "ToolCall",
    "ToolCallComplete",
    "ToolCallDelta",
    "ToolDefinition",
    "ToolResultPart",
    "UnknownProviderTypeError",
    "UnsupportedCapabilityError",
    "Usage",
    "UsageEvent",
    "__version__",
    "dump_config",
    "error_for_status",
    "hookimpl",
    "load_config",
    "loads_config",
]
# The ledger's names, imported on first use (a provider without a ledger never needs them).
_LAZY = {
    "BatchJob": "batch",
    "BudgetAlert": "budgets",
    "BudgetStatus": "budgets",
    "Ledger": "ledger",
    "LedgerStore": "store",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read lazily: importlib.metadata costs at import time
        from importlib.metadata import version

        return version("orchestify-core")
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
