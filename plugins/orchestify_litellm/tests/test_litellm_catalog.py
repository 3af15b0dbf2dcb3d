"""The ``litellm`` catalog against LiteLLM's model map (``litellm.model_cost``), read both
without importing litellm (the JSON file it ships, in a child process) and from litellm
itself; and one orchestify WARNING per process for a model the map retires."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import litellm
import pytest
from litellm_support import Build, user

from orchestify_core.catalog import CatalogEntry
from orchestify_core.lifecycle import forget_warnings
from orchestify_core.plugins import create_plugin_manager, ensure_provider_type
from orchestify_core.testing.servers import AnthropicServer

CHAT_MODES = ("chat", "completion", "responses")
DEPRECATED = "anthropic/claude-sonnet-4-5"

_CHILD = """
import json, sys
from orchestify_core.plugins import create_plugin_manager, ensure_provider_type
host = create_plugin_manager()
ensure_provider_type(host, "litellm")
hooks = host.hooks_for("litellm")
every = hooks.orchestify_model_catalog(provider_type="litellm", models=None, lifecycle_only=False)
asked = hooks.orchestify_model_catalog(
    provider_type="litellm", models=sys.argv[1:], lifecycle_only=True)
print(json.dumps({"litellm imported": "litellm" in sys.modules,
                  "every": [e.to_json() for e in every], "asked": [e.to_json() for e in asked]}))
"""


def _chat_rows() -> dict[str, Mapping[str, Any]]:
    return {key: fields for key, fields in litellm.model_cost.items()
            if fields.get("mode") in CHAT_MODES and key != "sample_spec"}  # fmt: skip


def _check_against_the_map(rows: list[dict[str, Any]]) -> None:
    chat = _chat_rows()
    listed = {row["model"]: row for row in rows}
    assert set(listed) == set(chat)
    for key, fields in chat.items():
        row = listed[key]
        assert row["backend"] == fields["litellm_provider"], key
        assert row["end_of_life"] == fields.get("deprecation_date"), key
        assert row["replacement"] == fields.get("successor_model"), key
        assert row["deprecated"] is ("deprecation_date" in fields), key
        if row["price_per_mtok"] is not None:
            per_token = Decimal(repr(fields["output_cost_per_token"]))
            assert Decimal(row["price_per_mtok"]["output"]) == per_token * 1_000_000, key


def test_without_importing_litellm_the_catalog_is_litellms_map() -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run([sys.executable, "-c", _CHILD, DEPRECATED, "no-such/model"],
                            capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout)
    assert child["litellm imported"] is False
    _check_against_the_map(child["every"])
    (asked,) = child["asked"]
    fields = litellm.model_cost["claude-sonnet-4-5"]
    assert asked["model"] == DEPRECATED
    assert asked["end_of_life"] == fields["deprecation_date"]
    assert asked["replacement"] == fields["successor_model"]


def _catalog(models: list[str] | None) -> list[CatalogEntry]:
    host = create_plugin_manager()
    ensure_provider_type(host, "litellm")
    entries = host.hooks_for("litellm").orchestify_model_catalog(
        provider_type="litellm", models=models, lifecycle_only=False
    )
    return list(entries)


def test_with_litellm_imported_the_catalog_is_its_live_map() -> None:
    _check_against_the_map([entry.to_json() for entry in _catalog(None)])
    (entry,) = _catalog([DEPRECATED])
    assert entry.end_of_life == date.fromisoformat(
        litellm.model_cost["claude-sonnet-4-5"]["deprecation_date"]
    )


@pytest.fixture
def fresh_warnings() -> Iterator[None]:
    forget_warnings()
    yield
    forget_warnings()


@pytest.mark.usefixtures("fresh_warnings")
async def test_a_retiring_model_warns_once_per_process(
    build: Build, anthropic_server: AnthropicServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    for _ in range(2):
        provider = build(DEPRECATED, anthropic_server.base_url)
        try:
            assert (await provider.complete(user("hi"))).content == "echo: hi"
        finally:
            await provider.aclose()
    ours = [r.getMessage() for r in caplog.records if r.name == "orchestify_core.lifecycle"]
    fields = litellm.model_cost["claude-sonnet-4-5"]
    assert len(ours) == 1
    assert ours[0].startswith(f"provider 'llm': model '{DEPRECATED}' is deprecated; ")
    assert fields["deprecation_date"] in ours[0]
    assert repr(fields["successor_model"]) in ours[0]
