"""LiteLLM stays quiet, and the key shows nowhere: not in log records (at DEBUG), reprs,
error messages, tracebacks, nor in any request outside its own header."""

from __future__ import annotations

import logging
import socket
import traceback

import pytest
from litellm_support import Backend, Build, user

from orchestify_core import LLMProvider, ProviderError
from orchestify_core.testing.servers import Reply


async def _exercise(provider: LLMProvider, backend: Backend) -> list[str]:
    """A success, a stream, and failing calls; the texts of what they produced."""
    backend.server.enqueue(
        Reply("ok"),
        Reply("streamed", chunk_count=2),
        Reply(status=401),
        Reply(status=429, retry_after=1),
        Reply(status=500),
        Reply("cut short", chunk_count=4, drop_after=3),
    )
    texts = [repr(provider), repr(provider.client), repr(provider.config)]
    texts.append(repr(await provider.complete(user("hi"))))
    texts += [chunk async for chunk in provider.stream(user("hi"))]
    for _ in range(3):
        with pytest.raises(ProviderError) as info:
            await provider.complete(user("hi"))
        texts += [
            str(info.value),
            repr(info.value),
            "".join(traceback.format_exception(info.value)),
        ]
    with pytest.raises(ProviderError) as info:
        async for _ in provider.stream(user("hi")):
            pass
    texts += [str(info.value), "".join(traceback.format_exception(info.value))]
    return texts


async def test_quiet_at_default_levels(
    provider: LLMProvider,
    backend: Backend,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """At default levels, successes and failures print and log nothing of LiteLLM's."""
    caplog.set_level(logging.WARNING)
    await _exercise(provider, backend)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")
    assert [r for r in caplog.records if r.name.startswith("LiteLLM")] == []
    assert all(
        logging.getLogger(name).level == logging.CRITICAL
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")
    )


async def test_key_never_leaks(
    provider: LLMProvider, backend: Backend, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, the key is in no record, repr, error or traceback, nor outside its header."""
    caplog.set_level(logging.DEBUG)
    texts = await _exercise(provider, backend)
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    assert [t for t in texts if api_key in t] == []
    assert backend.server.find_secret(api_key) == []


async def test_key_not_in_connection_errors(
    backend: Backend, build: Build, api_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused connection's error and logs do not contain the key."""
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}" + ("/v1" if backend.name == "openai" else "")
    provider = build(backend.model, base)
    with pytest.raises(ProviderError) as info:
        await provider.complete(user("hi"))
    texts = [str(info.value), "".join(traceback.format_exception(info.value))]
    texts += [record.getMessage() for record in caplog.records]
    assert [t for t in texts if api_key in t] == []


async def test_litellm_logging_can_be_turned_on(
    provider: LLMProvider, backend: Backend, build: Build
) -> None:
    """options.litellm_log_level sets the level of LiteLLM's loggers."""
    try:
        build(backend.model, backend.server.base_url, options={"litellm_log_level": "INFO"})
        assert logging.getLogger("LiteLLM").level == logging.INFO
    finally:
        build(backend.model, backend.server.base_url)
    assert logging.getLogger("LiteLLM").level == logging.CRITICAL
