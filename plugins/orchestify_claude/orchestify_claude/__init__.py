"""orchestify-claude: the Anthropic Claude provider of orchestify (provider type ``anthropic``).

Importing this package does not import the anthropic SDK; building a provider does.
"""

from __future__ import annotations

from ._provider import PROVIDER_TYPE, ClaudeProvider

__all__ = ["PROVIDER_TYPE", "ClaudeProvider"]
