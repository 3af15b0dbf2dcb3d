"""The ledger on each backend (memory, SQLite, a real Redis): what is recorded, read back,
refused and alerted, as a user of the library sees it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pluggy
import pytest

from orchestify_core import (
    BudgetExceededError,
    ConfigError,
    InternalServerError,
    RequestValidationError,
    hookimpl,
    loads_config,
)
from orchestify_core.budgets import BudgetAlert
from orchestify_core.plugins import create_plugin_manager
from orchestify_core.registry import ProviderRegistry
from orchestify_core.store import AttemptRow
from orchestify_core.testing.scripted import ScriptedReply
from orchestify_core.tokens import Usage

PROVIDERS = """providers:
  p: {type: scripted, default_model: scripted-1, retry: {max_retries: 1, initial_delay: 0}}
  q: {type: scripted, default_model: scripted-2, options: {unpriced: true}}
agents:
  writer: {provider: p, tags: {feature: drafts}}
"""
HI = [{"role": "user", "content": "hi"}]


def build(text: str, manager: pluggy.PluginManager | None = None) -> ProviderRegistry:
    return ProviderRegistry.from_config(
        loads_config(text), plugin_manager=manager or create_plugin_manager()
    )


async def test_every_attempt_is_recorded_once_with_its_labels(
    ledger_yaml: Callable[..., str],
) -> None:
    registry = build(PROVIDERS + ledger_yaml())
    writer = registry.get_for_agent("writer")
    writer.client.enqueue(
        ScriptedReply(error=InternalServerError("boom")),
        ScriptedReply(text="draft", usage=Usage(input_tokens=1000, output_tokens=500)),
    )
    response = await writer.complete(HI, tags={"user": "alice"})
    await registry.get("p").complete(HI)
    stream = registry.get("q").stream(HI)
    async for _ in stream:
        break
    await stream.aclose()
    ledger = registry.ledger
    assert ledger is not None
    await ledger.flush()

    rows = await ledger.rows()
    assert [(r.provider_id, r.agent, r.outcome) for r in rows] == [
        ("p", "writer", "error"),
        ("p", "writer", "completed"),
        ("p", None, "completed"),
        ("q", None, "cancelled"),
    ]
    failed, drafted, plain, cancelled = rows
    assert failed.error == "InternalServerError"
    assert failed.tags == {
        "feature": "drafts",
        "user": "alice",
    }
    assert drafted.cost == response.cost_usd == Decimal("0.002")  # 1000 x $1 + 500 x $2 /M
    assert (drafted.input_tokens, drafted.output_tokens, drafted.provider_type) == (
        1000,
        500,
        "scripted",
    )
    assert plain.tags == {}
    assert cancelled.cost is None
    assert cancelled.estimated
    assert registry.get_usage_summary()["total"]["attempts"] == 4  # in memory, as before

    by_agent = await ledger.usage(by="agent")
    assert by_agent["writer"].cost == Decimal("0.002")
    assert by_agent["writer"].attempts == 2
    assert set(await ledger.usage(by="tag")) == {"(untagged)", "feature=drafts", "user=alice"}
    assert (await ledger.usage(by="tag:user"))["alice"].calls == 1
    assert set(await ledger.usage(by="model")) == {"scripted-1", "scripted-2"}
    assert (await ledger.usage())["total"].unpriced_attempts == 1
    later = await ledger.usage(since=rows[-1].time + 1)
    assert later == {}
    await registry.aclose()


async def test_a_recorded_row_written_again_changes_nothing(
    ledger_yaml: Callable[..., str],
) -> None:
    registry = build(PROVIDERS + ledger_yaml())
    store = registry.ledger.store  # type: ignore[union-attr]
    row = AttemptRow(id="r1", time=1.0, provider_id="p", provider_type="t", model="m",
                     outcome="completed", cost=Decimal("0.5"))  # fmt: skip
    from orchestify_core.store import Debit

    first = await store.settle(row, None, [Debit("b:total", 500_000_000, 10)])
    again = await store.settle(row, None, [Debit("b:total", 500_000_000, 10)])
    assert first is not None
    assert first["b:total"].nano == 500_000_000
    assert again is None
    assert [r.id for r in await store.rows()] == ["r1"]
    assert (await store.spend(["b:total"], 2.0))["b:total"].nano == 500_000_000
    await registry.aclose()


async def test_budgets_refuse_before_sending(ledger_yaml: Callable[..., str]) -> None:
    registry = build(
        PROVIDERS + ledger_yaml() + "budgets:\n"
        "  tokens: {limit_tokens: 100, period: day, timezone: Europe/Paris, scope: {provider: p}}\n"
        "  dollars: {limit_usd: 5, scope: {provider: q}}\n"
    )
    p, q = registry.get("p"), registry.get("q")
    with pytest.raises(BudgetExceededError, match=r"'tokens' \(provider=p, day .*\) refused"):
        await p.complete(HI, max_tokens=200)
    with pytest.raises(BudgetExceededError, match=r"no known price.*unpriced: allow"):
        await q.complete(HI)
    assert p.client.requests == []
    assert q.client.requests == []
    await p.complete(HI, max_tokens=50)
    assert len(p.client.requests) == 1
    (tokens, dollars) = await registry.ledger.budget_status()  # type: ignore[union-attr]
    assert tokens.spent_tokens > 0
    assert tokens.reserved_tokens == 0
    assert tokens.remaining_tokens == 100 - tokens.spent_tokens
    assert dollars.spent_usd == 0
    await registry.aclose()


async def test_unpriced_allow_counts_tokens_only(ledger_yaml: Callable[..., str]) -> None:
    registry = build(
        PROVIDERS + ledger_yaml() + "budgets:\n"
        "  d: {limit_usd: 1, limit_tokens: 10000, unpriced: allow, scope: {provider: q}}\n"
    )
    await registry.get("q").complete(HI, max_tokens=50)
    (status,) = await registry.ledger.budget_status()  # type: ignore[union-attr]
    assert status.spent_usd == 0
    assert status.spent_tokens > 0
    await registry.aclose()


class AlertCatcher:
    def __init__(self) -> None:
        self.alerts: list[BudgetAlert] = []

    @hookimpl
    def orchestify_budget_alert(self, alert: BudgetAlert) -> None:
        self.alerts.append(alert)


async def test_alerts_once_per_threshold(
    ledger_yaml: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    manager = create_plugin_manager()
    catcher = AlertCatcher()
    manager.register(catcher)
    registry = build(
        PROVIDERS + ledger_yaml() + "budgets:\n"
        "  m: {limit_usd: 0.01, alerts: [0.25, 0.5], action: warn}\n",
        manager,
    )
    p = registry.get("p")
    for _ in range(4):  # 0.003 each: 30%, 60%, 90%, 120% (warn: never refused)
        p.client.enqueue(
            ScriptedReply(text="x", usage=Usage(input_tokens=1000, output_tokens=1000))
        )
        await p.complete(HI)
    assert [a.threshold for a in catcher.alerts] == [0.25, 0.5]
    assert catcher.alerts[1].status.spent_usd == Decimal("0.006")
    assert catcher.alerts[1].status.projected_usd is not None
    assert caplog.text.count("budget 'm' (everything, month ") == 2
    await registry.aclose()


async def test_sqlite_totals_outlive_the_process(tmp_path: Any) -> None:
    text = PROVIDERS + f"ledger: {{path: '{tmp_path / 'l.sqlite3'}'}}\n"
    first = build(text)
    await first.get("p").complete(HI)
    await first.aclose()
    second = build(text)
    assert (await second.ledger.usage())["total"].calls == 1  # type: ignore[union-attr]
    await second.aclose()


def test_sqlite_default_path_is_under_xdg_data_home(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    registry = build(PROVIDERS + "ledger: {backend: sqlite}\n")
    asyncio.run(registry.get("p").complete(HI))
    assert (tmp_path / "orchestify" / "ledger.sqlite3").is_file()


def test_no_ledger_no_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    registry = build(PROVIDERS)
    asyncio.run(registry.get("p").complete(HI))
    assert registry.ledger is None
    assert list(tmp_path.iterdir()) == []


async def test_bad_tags_are_refused() -> None:
    registry = build(PROVIDERS)
    with pytest.raises(RequestValidationError, match="tags: 'user'"):
        await registry.get("p").complete(HI, tags={"user": 3})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("budgets:\n  b: {period: day}\n", "budgets.b: needs limit_usd, limit_tokens or both"),
        (
            "budgets:\n  b: {limit_usd: 1, timezone: Mars/Base}\n",
            "budgets.b.timezone: unknown time zone",
        ),
        ("budgets:\n  b: {limit_usd: 1, period: year}\n", "budgets.b.period: expected one of"),
        (
            "budgets:\n  b: {limit_usd: 1, scope: {agent: nobody}}\n",
            "budgets.b.scope.agent: unknown agent 'nobody'",
        ),
        ("ledger: {backend: redis}\n", "ledger.url: the redis backend needs a url"),
        ("ledger: {bakend: sqlite}\n", "ledger.bakend: unknown key (did you mean 'backend'?)"),
    ],
)
def test_config_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        loads_config(PROVIDERS + text)


def test_redis_url_password_never_shows(redis_server: Any) -> None:
    from orchestify_core import dump_config

    config = loads_config(PROVIDERS + "ledger: {backend: redis, url: 'redis://:hunter2@h:1/0'}\n")
    assert "hunter2" not in repr(config)
    assert "hunter2" not in str(dump_config(config))
    registry = ProviderRegistry.from_config(config)
    assert "hunter2" not in repr(registry.ledger)
