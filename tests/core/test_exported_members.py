"""The public API is exactly what __all__ says, and importing it costs no SDK."""

from __future__ import annotations

import json
import subprocess
import sys

import orchestify_core


def test_all_names_exist_and_are_sorted() -> None:
    """Every name in __all__ is importable, and __all__ is sorted."""
    for name in orchestify_core.__all__:
        assert getattr(orchestify_core, name) is not None
    assert orchestify_core.__all__ == sorted(orchestify_core.__all__)


def test_seed_names_are_exported() -> None:
    """The names the user's design document imports are public."""
    for name in ["LLMMessage", "LLMResponse", "TokenUsage", "LLMProvider", "ProviderRegistry",
                 "ProviderConfig", "ProvidersConfig", "load_config", "hookimpl",
                 "RateLimitError", "APIConnectionError", "APIError"]:  # fmt: skip
        assert name in orchestify_core.__all__


def test_version_is_the_distribution_version() -> None:
    """__version__ is read from the installed metadata."""
    from importlib.metadata import version

    assert orchestify_core.__version__ == version("orchestify-core")


def test_import_pulls_in_no_sdk_and_no_plugin() -> None:
    """import orchestify_core imports no provider SDK, no plugin, and no HTTP library."""
    code = (
        "import sys, json, orchestify_core\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'anthropic', 'openai', 'litellm', 'httpx', 'httpx2', 'aiohttp', 'orchestify_claude',"
        " 'orchestify_openai', 'orchestify_litellm', 'genai_prices'})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
