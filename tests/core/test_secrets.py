"""A canary key put through config never shows in logs, reprs, errors or dumped config."""

from __future__ import annotations

import logging
import pickle
import traceback
import uuid

import pytest

from orchestify_core import (
    LLMMessage,
    RateLimitError,
    Secret,
    dump_config,
    loads_config,
)
from orchestify_core.testing.scripted import ScriptedReply

CANARY = f"sk-canary-{uuid.uuid4()}"
CONFIG = """\
providers:
  main:
    type: scripted
    api_key: ${CANARY_KEY}
    default_model: s1
    retry: {max_retries: 1, initial_delay: 0}
    fallbacks: [backup]
    headers: {x-api-key: "${CANARY_KEY}", x-trace: "${CANARY_KEY}", Authorization: "Bearer ${CANARY_KEY}"}
  backup:
    type: scripted
    api_key: ${CANARY_KEY}
    default_model: s2
    max_tokens: lots
"""


def test_secret_never_shows_itself() -> None:
    """repr, str, format and pickling of a Secret never give its value."""
    secret = Secret(CANARY)
    assert CANARY not in repr(secret)
    assert CANARY not in str(secret)
    assert CANARY not in f"{secret}"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret.get_secret_value() == CANARY


async def test_canary_found_nowhere(build_registry, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    """Every log record (all loggers at DEBUG), repr, error and dump is free of the key."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with pytest.raises(Exception) as bad:
        build_registry(CONFIG, {"CANARY_KEY": CANARY})
    seen += [str(bad.value), repr(bad.value), "".join(traceback.format_exception(bad.value))]

    registry = build_registry(CONFIG.replace("max_tokens: lots", "max_tokens: 100"),
                              {"CANARY_KEY": CANARY})  # fmt: skip
    provider = registry.get("main")
    provider.client.enqueue(
        ScriptedReply(error=RateLimitError("slow down")),
        ScriptedReply(error=RateLimitError("still slow")),
        ScriptedReply(text="partial answer", error=RateLimitError("cut"), error_after_chunks=1),
    )
    response = await provider.complete([LLMMessage(role="user", content="hi")])
    with pytest.raises(Exception) as cut:
        async for _ in provider.stream([LLMMessage(role="user", content="hi")]):
            pass
    seen += [str(cut.value), repr(cut.value), "".join(traceback.format_exception(cut.value))]
    seen += [repr(registry), repr(provider), repr(provider.config), str(provider.config)]
    assert CANARY in provider.config.secret_values()
    seen += [repr(response), repr(provider.get_usage()), repr(registry.get_usage_summary())]
    seen += [
        repr(dump_config(loads_config(CONFIG.replace("lots", "1"), environ={"CANARY_KEY": CANARY})))
    ]
    seen += [record.getMessage() for record in caplog.records]
    seen += [repr(record.__dict__) for record in caplog.records]
    assert response.provider_id == "backup"
    assert caplog.records, "DEBUG logging produced nothing to check"
    leaks = [text for text in seen if CANARY in text]
    assert leaks == []
