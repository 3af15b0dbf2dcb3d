"""Everything a provider plugin needs, from one module.

A plugin imports from here and nowhere else in orchestify_core::

    from orchestify_core.plugin import (
        CompletionRequest, LLMResponse, ProviderContext, StreamEnd, TextDelta, hookimpl, ...
    )

What is here: the hook marker, the hook context, the records a plugin reads and builds
(requests, responses, content parts, usage, prices, capabilities), the stream events, the
errors a plugin raises, and the helpers every plugin would otherwise write again (retry
hints from headers, scrubbing, token estimates, the thinking-budget rule, genai-prices
lookups, an SSE decoder and a fast JSON loader for plugins that read the wire themselves).
docs/plugin-contract.md shows how they fit together.
"""

from __future__ import annotations

from . import genai_prices
from .batch import (
    BatchCounts,
    BatchItem,
    BatchItemResult,
    BatchOutcome,
    BatchPricing,
    BatchState,
    BatchStatus,
)
from .cache_mark import CacheMark
from .catalog import CatalogEntry, package_version
from .context import ProviderContext
from .counting import (
    IMAGE_TOKENS,
    TokenCount,
    count_images,
    estimate_request_tokens,
    request_texts,
)
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchNotSupportedError,
    ConfigError,
    ContextWindowExceededError,
    InternalServerError,
    MalformedResponseError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestValidationError,
    StreamInterruptedError,
    error_for_status,
)
from .events import (
    RedactedThinking,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    UsageEvent,
)
from .hookspecs import hookimpl
from .models import (
    CompletionRequest,
    ContentPart,
    FinishReason,
    HealthStatus,
    ImagePart,
    LLMMessage,
    LLMResponse,
    ModelCapabilities,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolDefinition,
    ToolResultPart,
)
from .prompt_cache import PromptCacheMode, PromptCacheTTL, prepare_prompt_cache
from .protocols import AttemptRecord, CircuitBreakerProtocol, RetryPolicyProtocol
from .provider import LLMProvider
from .requests import (
    CHARS_PER_TOKEN,
    MIN_THINKING_BUDGET,
    estimate_text_tokens,
    estimate_tokens,
    thinking_budget,
)
from .retry import api_error, is_retryable, retry_after_from_headers, should_retry_from_headers
from .scrub import scrub
from .secret import Secret
from .tokens import ModelPrice, Usage
from .wire import ServerEvent, SSEDecoder
from .wire import loads as json_loads

__all__ = [
    "CHARS_PER_TOKEN",
    "IMAGE_TOKENS",
    "MIN_THINKING_BUDGET",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AttemptRecord",
    "AuthenticationError",
    "BadRequestError",
    "BatchCounts",
    "BatchItem",
    "BatchItemResult",
    "BatchNotSupportedError",
    "BatchOutcome",
    "BatchPricing",
    "BatchState",
    "BatchStatus",
    "CacheMark",
    "CatalogEntry",
    "CircuitBreakerProtocol",
    "CompletionRequest",
    "ConfigError",
    "ContentPart",
    "ContextWindowExceededError",
    "FinishReason",
    "HealthStatus",
    "ImagePart",
    "InternalServerError",
    "LLMMessage",
    "LLMProvider",
    "LLMResponse",
    "MalformedResponseError",
    "ModelCapabilities",
    "ModelPrice",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "PromptCacheMode",
    "PromptCacheTTL",
    "ProviderContext",
    "ProviderError",
    "RateLimitError",
    "RedactedThinking",
    "RedactedThinkingPart",
    "RequestValidationError",
    "RetryPolicyProtocol",
    "SSEDecoder",
    "Secret",
    "ServerEvent",
    "StreamEnd",
    "StreamEvent",
    "StreamInterruptedError",
    "TextDelta",
    "TextPart",
    "ThinkingDelta",
    "ThinkingPart",
    "TokenCount",
    "ToolCall",
    "ToolCallDelta",
    "ToolDefinition",
    "ToolResultPart",
    "Usage",
    "UsageEvent",
    "api_error",
    "count_images",
    "error_for_status",
    "estimate_request_tokens",
    "estimate_text_tokens",
    "estimate_tokens",
    "genai_prices",
    "hookimpl",
    "is_retryable",
    "json_loads",
    "package_version",
    "prepare_prompt_cache",
    "request_texts",
    "retry_after_from_headers",
    "scrub",
    "should_retry_from_headers",
    "thinking_budget",
]
