"""``orchestify models``: every installed plugin's catalog, checked against the data it comes
from (the SDKs' own model lists and deprecations, LiteLLM's map, genai-prices), filtered by
``--provider``; and ``orchestify check`` flagging a deprecated model with its date."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import genai_prices
import pytest

from ._helpers import run

SDKS = ("anthropic", "openai", "litellm")


def _models(*args: str) -> list[dict[str, Any]]:
    result = run("models", "--json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    """The whole catalog, as ``orchestify models --json`` prints it."""
    return _models()


def _by_model(rows: list[dict[str, Any]], provider_type: str) -> dict[str, dict[str, Any]]:
    return {row["model"]: row for row in rows if row["provider_type"] == provider_type}


def _anthropic_end_of_life(text: str) -> date:
    """anthropic's ``November 30th, 2026``."""
    return datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)", r"\1", text), "%B %d, %Y").date()


def _per_mtok(model: str, provider: str) -> tuple[Decimal, Decimal]:
    """genai-prices' own price of 1,000 input and 1,000 output tokens, per million."""
    usage = genai_prices.Usage(input_tokens=1000, output_tokens=1000)
    calc = genai_prices.calc_price(usage, model, provider_id=provider)
    return calc.input_price * 1000, calc.output_price * 1000


def test_json_fields_are_the_documented_ones(rows: list[dict[str, Any]]) -> None:
    assert {row["provider_type"] for row in rows} >= {"anthropic", "openai", "litellm"}
    assert set(rows[0]) == {
        "provider_id", "model", "provider_type", "backend", "context_window",
        "max_output_tokens", "capabilities", "price_per_mtok", "price_source", "deprecated",
        "end_of_life", "lifecycle_source", "replacement", "listed_by",
    }  # fmt: skip


def test_claude_catalog_matches_the_anthropic_sdk_and_genai_prices(
    rows: list[dict[str, Any]],
) -> None:
    import anthropic
    from anthropic._data import DEPRECATED_MODELS

    claude = _by_model(rows, "anthropic")
    declared = [m for m in get_args(get_args(anthropic.types.Model)[0])]
    assert declared
    assert set(declared) <= set(claude)
    version = anthropic.__version__
    for model, text in DEPRECATED_MODELS.items():
        row = claude[model]
        assert row["deprecated"] is True
        assert row["end_of_life"] == _anthropic_end_of_life(text).isoformat()
        assert row["lifecycle_source"] == f"anthropic {version}"
        replacement = row["replacement"]
        assert replacement in declared
        assert replacement not in DEPRECATED_MODELS
        assert replacement.split("-")[1] == model.split("-")[1]  # the same line (sonnet...)
    for model in set(declared) - set(DEPRECATED_MODELS):
        assert claude[model]["deprecated"] is False, model
        assert claude[model]["end_of_life"] is None
    for model, row in claude.items():
        if row["price_per_mtok"] is None:
            continue
        expected = _per_mtok(model, "anthropic")
        price = row["price_per_mtok"]
        assert (Decimal(price["input"]), Decimal(price["output"])) == expected, model
        assert row["price_source"] == f"genai-prices {genai_prices.__version__}"


def test_openai_catalog_matches_the_sdks_chat_models_and_notes(
    rows: list[dict[str, Any]],
) -> None:
    import openai
    import openai.types.shared.chat_model as chat_model

    gpt = _by_model(rows, "openai")
    assert set(gpt) == set(get_args(openai.types.ChatModel))
    notes = Path(chat_model.__file__).read_text().split("Deprecated values:", 1)[1]
    bullets = [" ".join(b.split()) for b in notes.split("\n- ")]
    for model, row in gpt.items():
        mine = [b for b in bullets if f'"{model}"' in b.split('":', 1)[0] + '"']
        assert row["deprecated"] is bool(mine), model
        if row["end_of_life"] is not None:
            assert f"shutdown date: {row['end_of_life']}" in mine[0], model
            assert row["lifecycle_source"] == f"openai {openai.__version__}"
    priced = [m for m, row in gpt.items() if row["price_per_mtok"] is not None]
    assert "gpt-5.5" in priced
    for model in priced:
        price = gpt[model]["price_per_mtok"]
        assert (Decimal(price["input"]), Decimal(price["output"])) == _per_mtok(model, "openai")


def test_litellm_catalog_matches_litellms_model_map(rows: list[dict[str, Any]]) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    listed = _by_model(rows, "litellm")
    chat = {k: v for k, v in litellm.model_cost.items()
            if v.get("mode") in ("chat", "completion", "responses") and k != "sample_spec"}  # fmt: skip
    assert set(listed) == set(chat)
    for key, fields in chat.items():
        row = listed[key]
        assert row["backend"] == fields.get("litellm_provider"), key
        assert row["end_of_life"] == fields.get("deprecation_date"), key
        assert row["deprecated"] is ("deprecation_date" in fields), key
        if "deprecation_date" in fields:
            assert row["replacement"] == fields.get("successor_model"), key
        window = fields.get("max_input_tokens")  # 0 or a text in the map: not stated
        assert row["context_window"] == (window if isinstance(window, int) and window > 0
                                         else None), key  # fmt: skip
        if row["price_per_mtok"] is not None:
            per_token = Decimal(repr(fields["input_cost_per_token"]))
            assert Decimal(row["price_per_mtok"]["input"]) == per_token * 1_000_000, key


def test_provider_filters_by_type_and_by_configured_id(tmp_path: Path) -> None:
    assert {row["provider_type"] for row in _models("--provider", "openai")} == {"openai"}
    config = tmp_path / "orchestify.yaml"
    config.write_text(
        "providers:\n  claude_main:\n    type: anthropic\n    api_key: ${NOT_SET_HERE}\n"
        "    default_model: claude-sonnet-4-6\n"
        "    prices: {claude-sonnet-4-6: {input: 2, output: 9}}\n"
    )
    rows = _models("--provider", "claude_main", "-c", str(config))
    assert {row["provider_type"] for row in rows} == {"anthropic"}
    assert {row["provider_id"] for row in rows} == {"claude_main"}
    by_model = {row["model"]: row for row in rows}
    assert by_model["claude-sonnet-4-6"]["price_source"] == "config"
    assert by_model["claude-sonnet-4-6"]["price_per_mtok"]["input"] == "2"
    assert by_model["claude-haiku-4-5"]["price_source"].startswith("genai-prices ")


def test_pattern_and_deprecated_narrow_the_list() -> None:
    rows = _models("--provider", "anthropic", "--deprecated", "*SONNET*")
    assert rows
    assert all("sonnet" in row["model"] and row["deprecated"] for row in rows)
    assert "claude-sonnet-4-6" not in {row["model"] for row in rows}


def test_an_unknown_provider_is_one_clear_error(tmp_path: Path) -> None:
    result = run("models", "--provider", "nope", cwd=tmp_path, env={"XDG_CONFIG_HOME": "/nx"})
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "'nope'" in line
    assert "anthropic" in line
    assert "-c PATH" in line


def test_the_table_shows_limits_prices_and_end_of_life() -> None:
    from anthropic._data import DEPRECATED_MODELS

    result = run("models", "--provider", "anthropic")
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split()[:4] == ["type", "model", "context", "output"]
    row = next(line for line in lines if line.split()[1] == "claude-sonnet-4-5")
    end = _anthropic_end_of_life(DEPRECATED_MODELS["claude-sonnet-4-5"]).isoformat()
    assert end in row
    assert "3/15" in row
    assert "200k" in row
    assert "64k" in row


def test_models_imports_no_sdk() -> None:
    code = (
        "import sys; from orchestify_core.cli import main; status = main(['models', '--json']);"
        f"print('IMPORTED', sorted(m for m in {SDKS!r} if m in sys.modules), file=sys.stderr)"
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "IMPORTED []" in result.stderr
    assert len(json.loads(result.stdout)) > 1000


def test_check_flags_a_deprecated_model_with_its_date(tmp_path: Path) -> None:
    from anthropic._data import DEPRECATED_MODELS

    config = tmp_path / "orchestify.yaml"
    config.write_text(
        "providers:\n"
        "  old:\n    type: anthropic\n    api_key: ${NOT_SET_HERE}\n"
        "    default_model: claude-sonnet-4-5\n"
        "  current:\n    type: anthropic\n    api_key: ${NOT_SET_HERE}\n"
        "    default_model: claude-sonnet-4-6\n"
        "agents:\n  writer: {provider: current, model: claude-opus-4-5}\n"
    )
    result = run("check", "-c", str(config))
    assert result.returncode == 0, result.stderr
    flagged = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert len(flagged) == 2, result.stderr
    end = _anthropic_end_of_life(DEPRECATED_MODELS["claude-sonnet-4-5"]).isoformat()
    assert flagged[0].startswith(f"orchestify: warning: {config}:5: providers.old.default_model:")
    assert "'claude-sonnet-4-5'" in flagged[0]
    assert end in flagged[0]
    assert flagged[1].startswith("orchestify: warning: agents.writer.model:")
    assert "providers.current" not in result.stderr
