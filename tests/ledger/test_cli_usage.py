"""``orchestify usage`` and ``orchestify budgets`` read what the ledger recorded."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from orchestify_core import load_config
from orchestify_core.cli import main
from orchestify_core.registry import ProviderRegistry

CONFIG = """providers:
  p: {type: scripted, default_model: scripted-1}
agents:
  writer: {provider: p, tags: {feature: drafts}}
ledger: {backend: sqlite, path: PATH}
budgets:
  monthly: {limit_usd: 1, period: month, timezone: Europe/Paris}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "orchestify.yaml"
    path.write_text(CONFIG.replace("PATH", str(tmp_path / "ledger.sqlite3")))

    async def calls() -> None:
        registry = ProviderRegistry.from_config(load_config(path))
        await registry.get_for_agent("writer").complete([{"role": "user", "content": "hello"}])
        await registry.get("p").complete([{"role": "user", "content": "hi"}], tags={"user": "bo"})
        await registry.aclose()

    asyncio.run(calls())
    return path


def test_usage_by_agent_as_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "-c", str(config), "--by", "agent", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"(none)", "writer"}
    assert data["writer"]["calls"] == 1
    assert data["writer"]["cost"] != "0"


def test_usage_table_by_tag_since(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "-c", str(config), "--by", "tag", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert "feature=drafts" in out
    assert "user=bo" in out
    assert main(["usage", "-c", str(config), "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {}


def test_usage_bad_grouping_is_one_line(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "-c", str(config), "--by", "colour"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--by: cannot group by 'colour'" in err
    assert len(err.splitlines()) == 1


def test_usage_html_is_one_self_contained_page(config: Path, tmp_path: Path) -> None:
    page = tmp_path / "usage.html"
    assert main(["usage", "-c", str(config), "--html", str(page)]) == 0
    text = page.read_text()
    assert text.count("<svg") == 2
    assert "writer" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in text


def test_budgets_show_spent_and_remaining(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["budgets", "-c", str(config), "--json"]) == 0
    (status,) = json.loads(capsys.readouterr().out)
    assert status["name"] == "monthly"
    assert status["period"].startswith("month ")
    assert status["limit_usd"] == "1"
    assert float(status["spent_usd"]) > 0
    assert status["in_flight"] == 0
    assert main(["budgets", "-c", str(config)]) == 0
    assert "durability" in capsys.readouterr().out
