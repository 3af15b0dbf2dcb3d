"""The circuit breaker: a model-checked state machine, concurrency, and its use by providers."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from orchestify_core import (
    BadRequestError,
    CircuitBreakerConfig,
    CircuitOpenError,
    InternalServerError,
    LLMMessage,
)
from orchestify_core.breaker import BreakerState, CircuitBreaker, Ticket
from orchestify_core.testing.scripted import ScriptedReply


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


FAILURES = {
    "counted": InternalServerError("down"),
    "neutral": BadRequestError("bad request"),
    "cancelled": asyncio.CancelledError(),
}


class BreakerMachine(RuleBasedStateMachine):
    """Random calls, outcomes and clock moves, checked against a simple model of the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.config = CircuitBreakerConfig(
            failure_threshold=3, recovery_time=10, half_open_max_calls=2
        )
        self.breaker = CircuitBreaker("p", self.config, clock=self.clock)
        self.in_flight: list[Ticket] = []
        # The model.
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0
        self.trials = 0
        self.generation = 0

    def model_state(self) -> str:
        if self.state == "open" and self.clock.now - self.opened_at >= self.config.recovery_time:
            return "half_open"
        return self.state

    def move(self, state: str) -> None:
        self.state = state
        self.generation += 1
        self.trials = 0

    @rule()
    def call(self) -> None:
        expected = self.model_state()
        if expected == "open" or (expected == "half_open" and self.trials >= 2):
            with pytest.raises(CircuitOpenError):
                self.breaker.before_call()
            return
        ticket = self.breaker.before_call()
        if expected == "half_open":
            if self.state == "open":
                self.move("half_open")
            self.trials += 1
            assert ticket.trial
        else:
            assert not ticket.trial
        self.in_flight.append(ticket)

    @precondition(lambda self: self.in_flight)
    @rule(index=st.integers(min_value=0), outcome=st.sampled_from(["ok", *FAILURES]))
    def finish(self, index: int, outcome: str) -> None:
        ticket = self.in_flight.pop(index % len(self.in_flight))
        self.breaker.after_call(ticket, FAILURES.get(outcome))
        if ticket.generation != self.generation:
            return
        if ticket.trial:
            self.trials -= 1
            if outcome == "ok":
                self.failures = 0
                self.move("closed")
            elif outcome == "counted":
                self.opened_at = self.clock.now
                self.move("open")
            return
        if self.state != "closed" or outcome in ("neutral", "cancelled"):
            return
        if outcome == "ok":
            self.failures = 0
        else:
            self.failures += 1
            if self.failures >= self.config.failure_threshold:
                self.opened_at = self.clock.now
                self.move("open")

    @rule(seconds=st.sampled_from([0.5, 3, 9.9, 10, 25]))
    def wait(self, seconds: float) -> None:
        self.clock.now += seconds

    @invariant()
    def state_matches_model(self) -> None:
        assert self.breaker.state.value == self.model_state()

    @invariant()
    def trials_never_exceed_limit(self) -> None:
        trials = sum(1 for t in self.in_flight if t.trial and t.generation == self.generation)
        assert trials <= self.config.half_open_max_calls


TestBreakerStateMachine = BreakerMachine.TestCase
TestBreakerStateMachine.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


def test_half_open_admits_limited_trials_under_concurrency() -> None:
    """However many callers race, a half-open breaker admits half_open_max_calls at once."""
    import threading

    clock = Clock()
    breaker = CircuitBreaker("p", CircuitBreakerConfig(failure_threshold=1, recovery_time=5,
                                                       half_open_max_calls=2), clock=clock)  # fmt: skip
    breaker.after_call(breaker.before_call(), InternalServerError("x"))
    assert breaker.state is BreakerState.OPEN
    clock.now += 5
    admitted: list[Ticket] = []
    refused: list[CircuitOpenError] = []
    barrier = threading.Barrier(32)

    def race() -> None:
        barrier.wait()
        try:
            admitted.append(breaker.before_call())
        except CircuitOpenError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=race) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 2
    assert len(refused) == 30


def test_state_changes_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Each state change is a log line naming the provider and both states."""
    clock = Clock()
    breaker = CircuitBreaker(
        "claude_main", CircuitBreakerConfig(failure_threshold=1, recovery_time=1), clock=clock
    )
    with caplog.at_level(logging.WARNING, logger="orchestify_core.breaker"):
        breaker.after_call(breaker.before_call(), InternalServerError("x"))
        clock.now += 1
        breaker.after_call(breaker.before_call(), None)
    assert [r.getMessage() for r in caplog.records] == [
        "circuit breaker of provider claude_main: closed -> open",
        "circuit breaker of provider claude_main: open -> half_open",
        "circuit breaker of provider claude_main: half_open -> closed",
    ]


async def test_open_breaker_fails_fast_and_fails_over(build_registry) -> None:  # type: ignore[no-untyped-def]
    """After the threshold, calls fail fast without reaching the provider, or go to a fallback."""
    registry = build_registry(
        "providers:\n"
        "  main:\n    type: scripted\n    default_model: s1\n    retry: {max_retries: 0}\n"
        "    circuit_breaker: {failure_threshold: 2, recovery_time: 60}\n"
        "  backup:\n    type: scripted\n    default_model: s2\n"
    )
    main = registry.get("main")
    main.client.enqueue(*[ScriptedReply(error=InternalServerError("down")) for _ in range(2)])
    hi = [LLMMessage(role="user", content="hi")]
    for _ in range(2):
        with pytest.raises(InternalServerError):
            await main.complete(hi)
    with pytest.raises(CircuitOpenError, match="circuit breaker of provider 'main' is open"):
        await main.complete(hi)
    assert len(main.client.requests) == 2  # the third call never reached the provider
    response = await main.complete(hi, fallbacks=[registry.get("backup")])
    assert (response.provider_id, response.model) == ("backup", "s2")
