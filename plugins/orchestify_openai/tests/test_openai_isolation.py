"""What the plugin imports, and where its key may (not) appear."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestify_core import AuthenticationError, LLMMessage, LLMProvider, RateLimitError
from orchestify_core.testing.servers import OpenAIServer, Reply

USER = [LLMMessage(role="user", content="hi")]
LOGGERS = ("openai", "httpx2", "httpcore2", "httpcore", "httpx", "orchestify_core",
           "orchestify_openai", "asyncio")  # fmt: skip


def run_python(code: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_the_plugin_does_not_import_openai(tmp_path: Path) -> None:
    """Importing orchestify_openai (and its hooks module) imports neither openai nor prices."""
    out = run_python(
        """
        import sys
        import orchestify_openai, orchestify_openai.plugin
        print(sorted(m for m in ("openai", "genai_prices", "httpx2") if m in sys.modules))
        """,
        tmp_path,
    )
    assert out.strip() == "[]"


def test_a_registry_needs_only_the_core_and_this_plugin(tmp_path: Path) -> None:
    """A registry built from YAML with one openai provider loads no anthropic or litellm."""
    (tmp_path / "orchestify.yaml").write_text(
        textwrap.dedent(
            """
            providers:
              gpt:
                type: openai
                api_key: ${OPENAI_KEY}
                default_model: gpt-4o-mini
            agents:
              writer:
                provider: gpt
                model: gpt-4o
            """
        )
    )
    out = run_python(
        """
        import sys
        from orchestify_core import ProviderRegistry, load_config
        from orchestify_openai import OpenAIProvider

        config = load_config("orchestify.yaml", environ={"OPENAI_KEY": "sk-test-0000000000"})
        registry = ProviderRegistry.from_config(config)
        provider = registry.get("gpt")
        assert isinstance(provider, OpenAIProvider), type(provider)
        assert registry.get_for_agent("writer").default_model == "gpt-4o"
        print(sorted(m for m in ("anthropic", "litellm", "openai") if m in sys.modules))
        """,
        tmp_path,
    )
    assert out.strip() == "['openai']"


def test_missing_key_is_a_config_error(tmp_path: Path) -> None:
    """Without api_key, base_url or OPENAI_API_KEY, building the provider is a ConfigError."""
    out = run_python(
        """
        import os
        os.environ.pop("OPENAI_API_KEY", None)
        from orchestify_core import ConfigError
        from orchestify_openai import OpenAIProvider
        try:
            OpenAIProvider(default_model="gpt-4o")
        except ConfigError as exc:
            print(exc.path)
        """,
        tmp_path,
    )
    assert out.strip() == "providers.openai.api_key"


async def test_key_never_leaks(
    provider: LLMProvider,
    openai_server: OpenAIServer,
    api_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The canary key is in no DEBUG log record of any logger, repr, error or other header."""
    caplog.set_level(logging.DEBUG)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    openai_server.api_key = api_key
    openai_server.enqueue(
        Reply("ok"),
        Reply("ok", chunk_count=3),
        Reply(status=429, retry_after=1),
        Reply("partial", chunk_count=4, drop_after=2),
    )
    texts = [repr(provider), str(provider), repr(provider.config), repr(provider.client)]
    response = await provider.complete(USER)
    texts.append(repr(response))
    texts += [chunk async for chunk in provider.stream(USER)]
    errors: list[BaseException] = []
    with pytest.raises(RateLimitError) as rate_limited:
        await provider.complete(USER)
    errors.append(rate_limited.value)
    try:
        async for chunk in provider.stream(USER):
            texts.append(chunk)
    except Exception as exc:  # the dropped stream
        errors.append(exc)
    openai_server.api_key = "sk-another-key-entirely"
    with pytest.raises(AuthenticationError) as unauthorized:
        await provider.complete(USER)
    errors.append(unauthorized.value)
    texts.append(repr(await provider.health_check()))
    for error in errors:
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
    texts.append(repr(provider.get_usage()))
    records = caplog.records
    assert {r.name.split(".")[0] for r in records} >= {"openai", "httpx2", "orchestify_core"}
    texts += [record.getMessage() for record in records]
    texts += [repr(record.args) for record in records]
    texts += [repr(record.__dict__) for record in records]
    assert [t for t in texts if api_key in t] == []
    assert openai_server.find_secret(api_key) == []


def chain_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


@pytest.mark.parametrize("status", [400, 401, 500])
async def test_key_echoed_in_an_error_body_is_nowhere_in_the_traceback(
    provider: LLMProvider, openai_server: OpenAIServer, api_key: str, status: int
) -> None:
    """A server echoing the key in its error body: the whole chain (the SDK's exception
    with its body included) is scrubbed, for complete and stream."""
    openai_server.enqueue(
        Reply(status=status, echo_key=True),
        Reply(status=status, echo_key=True),
        Reply("partial", chunk_count=4, stream_error_after=1, echo_key=True),
    )
    errors: list[BaseException] = []
    with pytest.raises(Exception) as completed:
        await provider.complete(USER)
    errors.append(completed.value)
    for _ in range(2):
        with pytest.raises(Exception) as streamed:
            async for _chunk in provider.stream(USER):
                pass
        errors.append(streamed.value)
    for error in errors:
        text = chain_text(error) + repr(error.__cause__)
        assert api_key not in text
        assert "**********" in text  # it was there, and masked


async def test_key_taken_from_the_environment_is_scrubbed(
    openai_server: OpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[dict[str, Any]], LLMProvider],
) -> None:
    """No api_key in the config: the SDK reads OPENAI_API_KEY, and the plugin names it to
    the core as a secret, so an error echoing it never shows it."""
    env_key = "sk-env-canary-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", env_key)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    provider = build(
        {"type": "openai", "default_model": "gpt-4o-mini", "retry": {"max_retries": 0}}
    )
    try:
        openai_server.enqueue(Reply(status=401, echo_key=True))
        with pytest.raises(AuthenticationError) as info:
            await provider.complete(USER)
        assert openai_server.requests[0].headers["authorization"] == f"Bearer {env_key}"
        assert env_key not in chain_text(info.value)
    finally:
        await provider.aclose()
