"""Hostile servers: every plugin type against a family of malformed answers.

Cases x plugin types x (complete, stream); see ``hostile_support`` for the cases and for
what makes a cell pass. A failing cell's message starts with ``HOSTILE`` and lists each
problem as ``[kind] detail``; ``python -m tests.reliability.hostile_support`` prints the table.
"""

from __future__ import annotations

import importlib.util
import uuid
from contextlib import AsyncExitStack

import pytest

from orchestify_core import OrchestifyError
from orchestify_core.testing.servers import LoopbackServer, Reply

from .hostile_support import (
    CALL_BOUND,
    CASES,
    FINE,
    MAX_RETRIES,
    MODES,
    TARGETS,
    Case,
    Context,
    Hung,
    Result,
    Target,
    bounded,
    build_provider,
    call,
    generation_requests,
    key_leaks,
)

CELLS = [
    pytest.param(case, target, mode, id=f"{case.name}-{target.name}-{mode}")
    for case in CASES
    for target in TARGETS
    for mode in MODES
    if mode in case.modes
]

Problems = list[tuple[str, str]]
CELL_BOUND = 30.0
"""Seconds for a whole cell: warm-up, the hostile call, the normal call after, teardown."""


def _short(error: BaseException) -> str:
    text = str(error).replace("\n", " ")
    return f"{type(error).__name__}: {text[:160]}"


def judge_result(case: Case, result: Result, ctx: Context, key: str, attempts: int) -> Problems:
    """What is wrong with what the user saw."""
    problems: Problems = []
    if result.hung:
        problems.append(("hang", f"no answer within {CALL_BOUND}s (provider timeout per attempt)"))
        return problems
    error = result.error
    if error is not None:
        if not isinstance(error, OrchestifyError):
            problems.append((f"raw {type(error).__name__}", _short(error)))
        elif not case.error:
            problems.append(("error instead of a result", _short(error)))
        elif not isinstance(error, case.error_class):
            problems.append(
                (f"{type(error).__name__} instead of {case.error_class.__name__}", _short(error))
            )
        elif case.retried and attempts != MAX_RETRIES + 1:
            problems.append(
                ("not retried", f"{_short(error)} after {attempts} attempt(s), expected "
                 f"{MAX_RETRIES + 1}")
            )  # fmt: skip
        leaks = key_leaks(error, key)
        if leaks:
            problems.append(("key in exception", ", ".join(leaks)))
        return problems
    response = result.response
    if response is None:
        problems.append(("no response", "the stream ended without StreamDone"))
        return problems
    if case.success is None:
        problems.append(
            (
                "success for a malformed answer",
                f"content {response.content[:60]!r}, tokens {response.tokens_input}/"
                f"{response.tokens_output}, estimated={response.usage_estimated}, "
                f"finish {response.finish_reason!r}, {len(response.tool_calls)} tool call(s)",
            )
        )
        return problems
    problems.extend(("wrong result", detail) for detail in case.success(result, ctx))
    return problems


def judge_accounting(provider_usage: object, attempts: int, result: Result) -> Problems:
    """Every attempt the server saw accounted once; one completed attempt iff a success."""
    usage = provider_usage
    outcomes = dict(getattr(usage, "outcomes", {}))
    recorded = getattr(usage, "attempts", None)
    problems: Problems = []
    if recorded != attempts:
        problems.append(
            ("attempts not accounted", f"server saw {attempts}, usage has {recorded} {outcomes}")
        )
    if sum(outcomes.values()) != recorded:
        problems.append(("outcomes do not add up", f"{outcomes} vs {recorded} attempts"))
    completed = 1 if result.error is None and not result.hung else 0
    if outcomes.get("completed", 0) != completed or getattr(usage, "call_count", None) != completed:
        problems.append(
            (
                "completed count wrong",
                f"{outcomes}, call_count {getattr(usage, 'call_count', None)}",
            )
        )
    if result.response is not None and result.response.attempts != attempts:
        problems.append(
            ("response.attempts wrong", f"{result.response.attempts}, server saw {attempts}")
        )
    return problems


def judge_redirect(elsewhere: LoopbackServer | None, key: str) -> Problems:
    if elsewhere is None:
        return []
    leaked = [
        f"{r.method} {r.path}: {place}"
        for r in elsewhere.requests
        for place, text in [
            *((f"header {name}", value) for name, value in r.headers.items()),
            ("query", r.query),
            ("body", r.raw_body.decode("utf-8", "replace")),
        ]
        if key in text
    ]
    return [("key sent to another host", "; ".join(leaked))] if leaked else []


@pytest.mark.parametrize(("case", "target", "mode"), CELLS)
async def test_hostile(
    case: Case, target: Target, mode: str, request: pytest.FixtureRequest
) -> None:
    """One malformed answer, one plugin type, one call style: a whole result or a typed error."""
    if importlib.util.find_spec(target.module) is None:
        pytest.skip(f"{target.module} is not installed")
    request.node.user_properties.append(("hostile_cell", (case.name, target.name, mode)))
    key = f"sk-canary-{uuid.uuid4()}"

    async def run_cell() -> Problems:
        problems: Problems = []
        async with AsyncExitStack() as stack:
            server = await stack.enter_async_context(target.server(api_key=key))
            elsewhere: LoopbackServer | None = None
            if case.redirect:
                elsewhere = await stack.enter_async_context(
                    target.server(host="127.0.0.2", api_key=key)
                )
            registry, provider = build_provider(target, server.base_url, key)
            stack.push_async_callback(registry.aclose)

            # A normal answer first: the target works, its SDK and connection pool are warm.
            server.enqueue(Reply(FINE))
            warm = await call(provider, mode, bound=30, timeout=20)
            if warm.response is None or warm.response.content != FINE:
                pytest.fail(
                    f"HOSTILE [target broken] a normal answer failed: {warm}", pytrace=False
                )
            server.reset()
            provider.reset_usage()

            ctx = Context(
                wire=target.wire,
                mode=mode,
                elsewhere=elsewhere.root_url if elsewhere is not None else "http://127.0.0.2:9",
            )
            server.enqueue(*case.script(ctx))
            result = await call(provider, mode, tools=case.tools)
            attempts = generation_requests(server)
            problems += judge_result(case, result, ctx, key, attempts)
            if not result.hung:
                problems += judge_accounting(provider.get_usage(), attempts, result)
            problems += judge_redirect(elsewhere, key)

            # The provider still serves a normal request (no stuck breaker, no poisoned client).
            server.reset()
            server.enqueue(Reply(FINE))
            after = await call(provider, mode)
            if after.response is None or after.response.content != FINE:
                what = "a hang" if after.hung else _short(after.error) if after.error else "no text"
                problems.append(("broken afterwards", f"a normal request then gave {what}"))
        return problems

    try:
        problems = await bounded(run_cell(), CELL_BOUND)
    except Hung:
        pytest.fail(
            f"HOSTILE [hang] the cell did not end within {CELL_BOUND}s, though each call in it "
            "is bounded (the event loop's timers broken?)",
            pytrace=False,
        )
    if problems:
        pytest.fail(
            "HOSTILE " + " | ".join(f"[{kind}] {detail}" for kind, detail in problems),
            pytrace=False,
        )
