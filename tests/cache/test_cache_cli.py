"""``orchestify usage`` shows what the response cache saved: its hits (no tokens, cost 0)
and the cost their answers had when they were made."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from orchestify_core import load_config
from orchestify_core.cli import main
from orchestify_core.registry import ProviderRegistry

CONFIG = """providers:
  p: {type: scripted, default_model: scripted-1, cache: true}
ledger: {backend: sqlite, path: LEDGER}
cache: {backend: sqlite, path: CACHE}
"""
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
def config(tmp_path: Path) -> tuple[Path, Decimal]:
    path = tmp_path / "orchestify.yaml"
    text = CONFIG.replace("LEDGER", str(tmp_path / "ledger.sqlite3"))
    path.write_text(text.replace("CACHE", str(tmp_path / "cache.sqlite3")))

    async def calls() -> Decimal:
        registry = ProviderRegistry.from_config(load_config(path))
        provider = registry.get("p")
        first = await provider.complete(HELLO, temperature=0)
        for _ in range(3):
            assert (await provider.complete(HELLO, temperature=0)).cached
        await registry.aclose()
        assert first.cost_usd is not None
        return first.cost_usd

    return path, asyncio.run(calls())


def test_usage_shows_the_hits_and_what_they_saved(
    config: tuple[Path, Decimal], capsys: pytest.CaptureFixture[str]
) -> None:
    path, cost = config
    assert main(["usage", "-c", str(path), "--by", "outcome", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cache_hit"]["cache_hits"] == 3
    assert data["cache_hit"]["attempts"] == 3
    assert Decimal(data["cache_hit"]["saved"]) == 3 * cost
    assert Decimal(data["cache_hit"]["cost"]) == 0
    assert data["cache_hit"]["input_tokens"] == 0
    assert Decimal(data["completed"]["cost"]) == cost
    assert main(["usage", "-c", str(path)]) == 0
    table = capsys.readouterr().out
    header, *rows = [line for line in table.splitlines() if line.strip()]
    assert "cache_hits" in header
    assert "saved_usd" in header
    total = next(row for row in rows if row.split()[0] == "total")
    assert total.split()[-2:] == ["3", str(3 * cost)]


def test_complete_says_when_the_answer_came_from_the_cache(
    config: tuple[Path, Decimal], capsys: pytest.CaptureFixture[str]
) -> None:
    path, cost = config
    command = ["complete", "-c", str(path), "-p", "p", "--temperature", "0", "hello"]
    assert main([*command, "--json"]) == 0
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert answer["cached"] is True
    assert answer["cost_usd"] == "0"
    assert f"from the response cache (saved ${cost:.6f})" in captured.err
    assert main([*command[:-1], "a question never asked", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["cached"] is False
    assert "from the response cache" not in captured.err
