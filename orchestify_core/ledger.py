"""The usage ledger: every attempt recorded once in a store, and budgets enforced.

A :class:`Ledger` is shared by the providers of a registry (``registry.ledger``). Around
each attempt the attempt driver calls it twice:

1. :meth:`Ledger.reserve`, before the plugin is called: the call's worst case is held
   against every budget that covers it, atomically in the store; a call that does not fit
   raises :class:`BudgetExceededError` and nothing is sent;
2. :meth:`Ledger.record`, where the attempt is accounted (once, however it ended): the row
   is written, the budgets are debited with the actual cost and the hold is dropped, in one
   store operation, awaited before ``complete()`` returns.

While the store cannot be reached, ``when_unavailable`` decides: ``refuse`` raises
:class:`LedgerUnavailableError` before anything is sent; ``proceed`` sends unchecked and
keeps the records in memory, writing them when the store answers again (a row's id makes
a second write of it a no-op: nothing is recorded twice).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._config_ledger import BudgetConfig, LedgerConfig, StoreFailurePolicy
from ._counting import input_estimate
from ._ledger_query import UsageTotals, totals_by
from .budgets import Budget, BudgetAlert, BudgetStatus, from_nano, status_of, to_nano, worst_case
from .errors import BudgetExceededError, LedgerUnavailableError, RequestValidationError
from .models import CompletionRequest, Usage
from .store import AttemptRow, Charge, Debit, LedgerStore, Refusal, Spend, StoreError, open_store

if TYPE_CHECKING:
    import pluggy

    from .config import OrchestifyConfig
    from .provider import LLMProvider

__all__ = ["CallLabels", "Hold", "Ledger", "UsageTotals", "checked_tags"]

logger = logging.getLogger("orchestify_core.ledger")

# Row and hold ids: unique across processes and machines (a random prefix per process),
# cheap per call (a counter; uuid4 costs several microseconds).
_ID_PREFIX = os.urandom(8).hex()
_serial = itertools.count()


def new_id() -> str:
    return f"{_ID_PREFIX}{next(_serial):x}"


@attrs.frozen
class CallLabels:
    """Who a call is for: the agent (if any) and the caller's and agent's tags."""

    agent: str | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict)


NO_LABELS = CallLabels()


@attrs.frozen
class Hold:
    """A call's reservation: its charges (one per budget covering it) and the budgets."""

    id: str
    charges: tuple[Charge, ...]
    budgets: tuple[Budget, ...]
    held: bool = True  # False: the store was down and the call proceeded unchecked


_Pending = tuple[AttemptRow, str | None, tuple[Debit, ...], tuple[Budget, ...]]


class Ledger:
    """A usage ledger over one store, with the budgets of a config."""

    def __init__(
        self,
        store: LedgerStore,
        budgets: Mapping[str, BudgetConfig] | None = None,
        *,
        when_unavailable: StoreFailurePolicy = "refuse",
        lease_grace: float = 30.0,
        plugin_manager: pluggy.PluginManager | None = None,
    ) -> None:
        self.store = store
        self.budgets = tuple(Budget(name, config) for name, config in (budgets or {}).items())
        self.when_unavailable = when_unavailable
        self.lease_grace = lease_grace
        self._hooks = plugin_manager.hook if plugin_manager is not None else None
        self._pending: set[asyncio.Task[None]] = set()
        self._outbox: collections.deque[_Pending] = collections.deque()
        self._claimed: set[tuple[str, float]] = set()
        self._down = False

    @classmethod
    def from_config(
        cls, config: OrchestifyConfig, plugin_manager: pluggy.PluginManager | None = None
    ) -> Ledger | None:
        """The ledger a config asks for (None when it has no ``ledger:`` nor ``budgets:``);
        budgets without a ``ledger:`` live in memory."""
        if config.ledger is None and not config.budgets:
            return None
        settings = config.ledger or LedgerConfig(backend="memory")
        return cls(
            open_store(settings, plugin_manager),
            config.budgets,
            when_unavailable=settings.when_unavailable,
            lease_grace=settings.lease_grace,
            plugin_manager=plugin_manager,
        )

    def __repr__(self) -> str:
        return f"<Ledger {self.store.describe()} budgets={[b.name for b in self.budgets]}>"

    # ------------------------------------------------------------------ before a call

    async def reserve(
        self, provider: LLMProvider, request: CompletionRequest, labels: CallLabels
    ) -> Hold | None:
        """Hold the call's worst case against every budget covering it (None: none does).

        :raises BudgetExceededError: it does not fit (nothing was sent).
        :raises LedgerUnavailableError: the store is down and the policy is ``refuse``.
        """
        pid = provider.provider_id
        budgets = tuple(b for b in self.budgets if b.covers(pid, labels.agent, labels.tags))
        if not budgets:
            return None
        price = provider.price(request.model)
        nano, tokens = worst_case(request, price, input_estimate(provider, request))
        now = time.time()
        what = f"the call to {pid}/{request.model}"
        charges = tuple(self.charge_for(b, now, nano, tokens, price is None, what, pid)
                        for b in budgets)  # fmt: skip
        hold = Hold(new_id(), charges, budgets)
        lease_until = now + (request.timeout or 600.0) + self.lease_grace
        try:
            refusal = await self.store.reserve(hold.id, charges, now, lease_until)
        except StoreError as exc:
            self.unavailable(exc)
            return attrs.evolve(hold, held=False)
        self._back()
        if refusal is not None:
            budget = budgets[charges.index(refusal.charge)]
            raise refusal_error(refusal, budget, what, pid, now)
        return hold

    def charge_for(self, budget: Budget, now: float, nano: int, tokens: int, unpriced: bool,
                   what: str, provider_id: str) -> Charge:  # fmt: skip
        """The charge of a worst case (``nano``, ``tokens``) against ``budget``; ``what``
        names the call or batch in the refusal of an unpriced model."""
        config = budget.config
        refuse = config.unpriced == "refuse" and budget.enforced
        if unpriced and refuse and config.limit_usd is not None:
            raise BudgetExceededError(
                f"budget {budget.name!r} ({config.scope.describe()}) refused {what} before "
                "sending it: the model has no known price (set one in the provider's prices:, "
                "or unpriced: allow)",
                budget=budget.name,
                period=budget.period(now).label,
                provider_id=provider_id,
            )
        return Charge(budget.key(now), nano, tokens, budget.limit_nano, config.limit_tokens,
                      budget.enforced)  # fmt: skip

    def unavailable(self, exc: StoreError) -> None:
        """The store failed before a call or batch: refuse (``when_unavailable: refuse``,
        :class:`LedgerUnavailableError`) or warn once and let it proceed unchecked."""
        if self.when_unavailable == "refuse":
            raise LedgerUnavailableError(
                f"the call was not sent: the usage ledger cannot be reached and "
                f"ledger.when_unavailable is 'refuse' ({exc})"
            ) from exc
        if not self._down:
            logger.warning(
                "usage ledger unreachable (%s); calls proceed without budget checks "
                "(ledger.when_unavailable: proceed) and records wait in memory",
                exc,
            )
        self._down = True

    def _back(self) -> None:
        if self._down:
            self._down = False
            logger.warning("usage ledger %s answers again", self.store.describe())

    async def release(self, hold: Hold) -> None:
        """Drop a hold whose call was never sent (its lease would drop it later anyway)."""
        if hold.held:
            try:
                await self.store.release(hold.id, [charge.key for charge in hold.charges])
            except StoreError as exc:
                logger.info("could not release hold %s (its lease will): %s", hold.id, exc)

    # ------------------------------------------------------------------ after an attempt

    def record(
        self,
        provider: LLMProvider,
        labels: CallLabels,
        hold: Hold | None,
        attempt: Any,
    ) -> asyncio.Task[None]:
        """Write one accounted attempt (an :class:`~orchestify_core.usage.Attempt`) and
        settle its hold, in a task the attempt awaits (a cancelled caller does not stop it).
        """
        usage: Usage = attempt.usage
        row = AttemptRow(
            id=new_id(),
            time=time.time() - attempt.latency_s,
            provider_id=provider.provider_id,
            provider_type=provider.provider_type,
            model=attempt.model,
            outcome=str(attempt.outcome),
            agent=labels.agent,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            cost=attempt.cost,
            estimated=usage.estimated,
            tags=labels.tags,
            latency_s=attempt.latency_s,
            error=attempt.error.partition(":")[0] if attempt.error else None,
            saved=getattr(attempt, "saved", None),
        )
        nano = 0 if attempt.cost is None else to_nano(attempt.cost)
        tokens = usage.input_tokens + usage.output_tokens
        if hold is not None:
            debits = tuple(Debit(c.key, nano, tokens) for c in hold.charges)
            budgets, hold_id = hold.budgets, (hold.id if hold.held else None)
        else:
            debits, budgets, hold_id = (), (), None
        task = asyncio.get_running_loop().create_task(self._settle((row, hold_id, debits, budgets)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return task

    async def _settle(self, item: _Pending) -> None:
        try:
            if self._outbox:
                await self._drain()
            await self._write(item)
        except StoreError as exc:
            self._outbox.append(item)
            logger.warning(
                "usage ledger unreachable; %d record(s) wait in memory until it answers: %s",
                len(self._outbox), exc,
            )  # fmt: skip
        except Exception:  # a task's error would go unseen
            logger.exception("recording attempt %s in the usage ledger failed", item[0].id)

    async def _write(self, item: _Pending) -> None:
        row, hold_id, debits, budgets = item
        spent = await self.store.settle(row, hold_id, debits)
        self._back()
        if spent:
            await self._alert(budgets, debits, spent, row.time)

    async def _drain(self) -> None:
        while self._outbox:
            item = self._outbox[0]
            await self._write(item)  # StoreError: stays queued
            if self._outbox and self._outbox[0] is item:
                self._outbox.popleft()

    async def _alert(self, budgets: Sequence[Budget], debits: Sequence[Debit],
                     spent: Mapping[str, Spend], now: float) -> None:  # fmt: skip
        for budget, debit in zip(budgets, debits, strict=True):
            state = spent.get(debit.key)
            if state is None:
                continue
            shares = [0.0]
            if budget.limit_nano:
                shares.append(state.nano / budget.limit_nano)
            if budget.config.limit_tokens:
                shares.append(state.tokens / budget.config.limit_tokens)
            for threshold in sorted(budget.config.alerts):
                if max(shares) < threshold or (debit.key, threshold) in self._claimed:
                    continue
                self._claimed.add((debit.key, threshold))
                if await self.store.claim_alert(debit.key, repr(threshold)):
                    full = (await self.store.spend([debit.key], now))[debit.key]
                    self._emit(BudgetAlert(budget.name, threshold, _status(budget, now, full)))

    def _emit(self, alert: BudgetAlert) -> None:
        logger.warning("%s", alert.message())
        if self._hooks is not None:
            try:
                self._hooks.orchestify_budget_alert(alert=alert)
            except Exception:
                logger.exception("an orchestify_budget_alert hook failed")

    # ------------------------------------------------------------------ reading

    async def flush(self) -> int:
        """Wait for this loop's pending records and write the queued ones; returns how many
        records still wait (the store is still down)."""
        loop = asyncio.get_running_loop()
        mine = [task for task in self._pending if task.get_loop() is loop]
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)
        with contextlib.suppress(StoreError):
            await self._drain()
        return len(self._outbox)

    async def rows(
        self, since: float | None = None, until: float | None = None
    ) -> list[AttemptRow]:
        """Every recorded attempt in ``[since, until)`` (seconds since the epoch)."""
        return await self.store.rows(since, until)

    async def usage(
        self, by: str | None = None, since: float | None = None, until: float | None = None
    ) -> dict[str, UsageTotals]:
        """Totals over ``[since, until)``, grouped ``by`` provider, agent, model, day or
        ``tag:NAME`` (or ``tag`` for every tag) — one group ``"total"`` when None."""
        return totals_by(await self.store.rows(since, until), by)

    async def budget_status(self, now: float | None = None) -> list[BudgetStatus]:
        """Every budget in its current period: spent, reserved, remaining, forecast."""
        now = time.time() if now is None else now
        keys = [budget.key(now) for budget in self.budgets]
        spent = await self.store.spend(keys, now)
        return [_status(b, now, spent[key]) for b, key in zip(self.budgets, keys, strict=True)]

    async def aclose(self) -> None:
        """Write what is pending, then close the store; logs records that could not be."""
        left = await self.flush()
        if left:
            logger.error("usage ledger unreachable: %d record(s) could not be written", left)
        await self.store.aclose()


def _status(budget: Budget, now: float, spend: Spend) -> BudgetStatus:
    state = (spend.nano, spend.tokens, spend.held_nano, spend.held_tokens, spend.holds)
    return status_of(budget, now, state)


def refusal_error(refusal: Refusal, budget: Budget, what: str, provider_id: str,
                  now: float) -> BudgetExceededError:  # fmt: skip
    """The error of a worst case (of ``what``: a call, a batch) a budget refused."""
    state, charge = refusal.spend, refusal.charge
    config = budget.config
    parts = []
    if charge.limit_nano is not None:
        parts.append(f"${from_nano(state.nano):.6f} spent + ${from_nano(state.held_nano):.6f} "
                     f"reserved of ${config.limit_usd}")  # fmt: skip
    if charge.limit_tokens is not None:
        parts.append(f"{state.tokens} + {state.held_tokens} reserved of {charge.limit_tokens} "
                     "tokens")  # fmt: skip
    period = budget.period(now)
    return BudgetExceededError(
        f"budget {budget.name!r} ({config.scope.describe()}, {config.period} {period.label}) "
        f"refused {what} before sending it: its worst case (${from_nano(charge.nano):.6f}, "
        f"{charge.tokens} tokens) does not fit ({'; '.join(parts)})",
        budget=budget.name,
        period=period.label,
        provider_id=provider_id,
    )


def checked_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as a plain dict of strings; anything else is a RequestValidationError."""
    if not isinstance(tags, Mapping):
        raise RequestValidationError(
            f"tags must be a mapping of strings, got {type(tags).__name__}"
        )
    for key, value in tags.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise RequestValidationError(
                f"tags: {key!r}: tag names and values must be strings, got {type(value).__name__}"
            )
    return dict(tags)
