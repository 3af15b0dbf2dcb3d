"""The hostile-server matrix: its plugin types, its malformed answers, and how a cell is judged.

Each cell runs one case (a malformed answer the loopback server is scripted to give) against
one plugin type (``anthropic``, ``openai``, ``litellm`` with an ``anthropic/`` model and with an
``openai/`` model) through ``complete()`` or a fully read ``stream_events()``, over real sockets
and the real SDKs. A cell passes when the user sees either a correct, whole result or a typed
orchestify error, and:

- the call ends in bounded time (no hang, whatever the server said);
- every attempt the server saw is accounted once in ``provider.get_usage()``;
- a malformation the server is to blame for is retried per the retry policy;
- the api key shows in no exception (``str``, ``repr``, the whole formatted chain);
- the provider still serves a normal request afterwards (no stuck circuit breaker).

Print the table of cases x plugin types (one column per type and call style)::

    LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/python -m tests.reliability.hostile_support

Extra arguments go to pytest (``-k openai``, ``-x``, ...).
"""

from __future__ import annotations

import asyncio
import decimal
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from orchestify_core import (
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    LLMMessage,
    LLMProvider,
    LLMResponse,
    OrchestifyError,
    ProviderRegistry,
    TextDelta,
    ToolCall,
    loads_config,
)
from orchestify_core.testing.servers import (
    AnthropicServer,
    LoopbackServer,
    OpenAIServer,
    Reply,
    ToolCallSpec,
)

__all__ = [
    "ATTEMPT_TIMEOUT",
    "CALL_BOUND",
    "CASES",
    "DEEP_ARGUMENTS",
    "FINE",
    "KEY_ENV",
    "MAX_RETRIES",
    "MODES",
    "TARGETS",
    "TEXT",
    "Case",
    "Context",
    "Hung",
    "Result",
    "Target",
    "bounded",
    "build_provider",
    "call",
    "generation_requests",
    "key_leaks",
    "main",
]

KEY_ENV = "HOSTILE_CANARY_KEY"
TEXT = "hello there, hostile world"
"""What the model 'says' in every case that has text; streamed in 8-character pieces."""
FINE = "fine again"
"""The answer to the normal request sent after each case."""
MAX_RETRIES = 1
ATTEMPT_TIMEOUT = 0.75
"""Seconds per attempt (the provider's ``timeout``); every server here answers within
milliseconds, so this is a wide margin, and it keeps a hanging cell (today: a NaN
retry-after) from costing the run more than ``CALL_BOUND``."""
CALL_BOUND = (MAX_RETRIES + 1) * ATTEMPT_TIMEOUT + 1.0
"""Seconds a whole call may take on the test side before it counts as a hang."""
MODES = ("complete", "stream")
MESSAGES = [LLMMessage(role="user", content="Say hello.")]
WEATHER: dict[str, Any] = {
    "name": "get_weather",
    "description": "Weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}
DEEP_ARGUMENTS = "[" * 5000 + "]" * 5000
T = TypeVar("T")
_GENERATION_PATHS = frozenset({"/v1/messages", "/v1/chat/completions"})


# --------------------------------------------------------------------------- plugin types


@dataclass(frozen=True)
class Target:
    """One plugin type and the loopback server it talks to."""

    name: str
    module: str
    provider_type: str
    model: str
    server: type[LoopbackServer]

    @property
    def wire(self) -> str:
        """The wire protocol: ``anthropic`` or ``openai``."""
        return self.server.provider


TARGETS: tuple[Target, ...] = (
    Target("anthropic", "orchestify_claude", "anthropic", "claude-haiku-4-5", AnthropicServer),
    Target("openai", "orchestify_openai", "openai", "gpt-4o-mini", OpenAIServer),
    Target(
        "litellm-anthropic",
        "orchestify_litellm",
        "litellm",
        "anthropic/claude-sonnet-4-5",
        AnthropicServer,
    ),
    Target("litellm-openai", "orchestify_litellm", "litellm", "openai/gpt-4o-mini", OpenAIServer),
)


def build_provider(
    target: Target,
    base_url: str,
    key: str,
    *,
    max_retries: int = MAX_RETRIES,
    breaker: str = "{failure_threshold: 5, recovery_time: 0.05}",
) -> tuple[ProviderRegistry, LLMProvider]:
    """A provider of ``target``'s type pointed at ``base_url``, with short retries and timeouts.

    The key goes through the config as ``${HOSTILE_CANARY_KEY}``, as keys are meant to.
    """
    config = loads_config(
        "providers:\n"
        "  hostile:\n"
        f"    type: {target.provider_type}\n"
        f"    api_key: ${{{KEY_ENV}}}\n"
        f"    default_model: {target.model}\n"
        f"    base_url: {base_url}\n"
        f"    timeout: {ATTEMPT_TIMEOUT}\n"
        f"    retry: {{max_retries: {max_retries}, initial_delay: 0.01, max_delay: 0.02,"
        " max_retry_after: 1}\n"
        f"    circuit_breaker: {breaker}\n",
        file="hostile.yaml",
        environ={KEY_ENV: key},
    )
    registry = ProviderRegistry.from_config(config)
    return registry, registry.get("hostile")


# --------------------------------------------------------------------------- running a call


@dataclass
class Result:
    """What the user saw of one call."""

    response: LLMResponse | None = None
    error: BaseException | None = None
    hung: bool = False
    streamed_text: str = ""
    elapsed: float = 0.0

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.response.tool_calls if self.response is not None else []


class Hung(Exception):
    """A call did not end within its bound (raised by :func:`bounded`)."""


async def bounded(awaitable: Awaitable[T], seconds: float) -> T:
    """Await ``awaitable``; after ``seconds`` cancel it (again every 0.25 s until it ends)
    and raise :class:`Hung`.

    The watchdog is a thread, not a loop timer: a NaN sleep corrupts the loop's timer heap,
    after which ``asyncio.timeout`` itself may never fire; a cancel sent with
    ``call_soon_threadsafe`` still gets through.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(awaitable)
    fired = threading.Event()
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        fired.set()
        while not done.is_set():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop is closed
                return
            done.wait(0.25)

    watchdog = threading.Thread(target=watch, name="hostile-watchdog", daemon=True)
    watchdog.start()
    try:
        return await task
    except asyncio.CancelledError:
        if fired.is_set():
            raise Hung(f"no end within {seconds}s") from None
        raise
    finally:
        done.set()


async def call(
    provider: LLMProvider,
    mode: str,
    *,
    tools: bool = False,
    bound: float = CALL_BOUND,
    timeout: float | None = None,
) -> Result:
    """One ``complete()``, or one ``stream_events()`` read to its end, within ``bound`` s
    (``timeout``: the provider's per-attempt timeout, when not the config's)."""
    result = Result()
    kwargs: dict[str, Any] = {"tools": [WEATHER]} if tools else {}
    if timeout is not None:
        kwargs["timeout"] = timeout

    async def run() -> None:
        if mode == "complete":
            result.response = await provider.complete(MESSAGES, **kwargs)
            return
        stream = provider.stream_events(MESSAGES, **kwargs)
        pieces: list[str] = []
        try:
            async for event in stream:
                if isinstance(event, TextDelta):
                    pieces.append(event.text)
        finally:
            result.streamed_text = "".join(pieces)
            await stream.aclose()
        result.response = stream.response

    started = time.monotonic()
    try:
        await bounded(run(), bound)
    except Hung:
        result.hung = True
    except Exception as exc:
        result.error = exc
    result.elapsed = time.monotonic() - started
    return result


def generation_requests(server: LoopbackServer) -> int:
    """Generation requests (attempts) the server received since its last reset."""
    return sum(1 for r in server.requests if r.method == "POST" and r.path in _GENERATION_PATHS)


def key_leaks(error: BaseException, key: str) -> list[str]:
    """Where ``key`` shows in an exception: its str, repr, or whole formatted chain."""
    places = []
    if key in str(error):
        places.append("str(exc)")
    if key in repr(error):
        places.append("repr(exc)")
    if key in "".join(traceback.format_exception(error)):
        places.append("traceback.format_exception(exc) (the chain)")
    return places


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Context:
    """What a case's script may depend on."""

    wire: str  # "anthropic" or "openai": the server's protocol
    mode: str  # "complete" or "stream"
    elsewhere: str  # root URL of a second server on another host (127.0.0.2)


Judge = Callable[[Result, Context], list[str]]


@dataclass(frozen=True)
class Case:
    """One malformed answer, and what the user may see in return.

    ``script`` gives the replies to queue (one per attempt the case may take).
    ``success``: None when a success is never right; else a judge returning the problems of a
    success (empty: it is correct and whole). ``error``: whether a typed error is right
    (``error_class`` narrows it). ``retried``: an error must come after every allowed
    attempt (the server misbehaved; the policy retries that).
    """

    name: str
    doc: str
    script: Callable[[Context], Sequence[Reply]]
    modes: tuple[str, ...] = MODES
    success: Judge | None = None
    error: bool = True
    error_class: type[BaseException] = OrchestifyError
    retried: bool = False
    tools: bool = False
    redirect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


def _times(reply: Reply, count: int = MAX_RETRIES + 1) -> list[Reply]:
    return [reply] * count


def _sane_usage(result: Result) -> list[str]:
    """Token counts are non-negative ints and the cost a finite, non-negative Decimal."""
    response = result.response
    assert response is not None
    problems = []
    for name in (
        "tokens_input",
        "tokens_output",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ):
        value = getattr(response, name)
        if type(value) is not int or value < 0:
            problems.append(f"response.{name} = {value!r} (expected a non-negative int)")
    cost = response.cost_usd
    if cost is not None and (
        not isinstance(cost, decimal.Decimal) or not cost.is_finite() or cost < 0
    ):
        problems.append(f"response.cost_usd = {cost!r}")
    return problems


def _whole_text(result: Result, ctx: Context, text: str = TEXT) -> list[str]:
    """The complete text, and in a stream the deltas add up to it."""
    response = result.response
    assert response is not None
    problems = []
    if response.content != text:
        problems.append(f"content {response.content!r}, expected {text!r}")
    if ctx.mode == "stream" and result.streamed_text != response.content:
        problems.append(f"streamed text {result.streamed_text!r} != content")
    return problems


def _counted(result: Result) -> list[str]:
    """Tokens reported or estimated, never a silent 0/0."""
    response = result.response
    assert response is not None
    if response.tokens_input <= 0 and not response.usage_estimated:
        return [
            f"usage {response.tokens_input}/{response.tokens_output} tokens, not estimated "
            "(a 0-token success for a request the server answered)"
        ]
    return []


def whole_text_success(result: Result, ctx: Context) -> list[str]:
    """A success is right only if it is the whole scripted answer with sane, counted usage."""
    return _whole_text(result, ctx) + _sane_usage(result) + _counted(result)


def _usage_success(reported: tuple[int, int] | None) -> Judge:
    """Whole text; usage either as reported (``reported``) or estimated (and marked so)."""

    def judge(result: Result, ctx: Context) -> list[str]:
        problems = _whole_text(result, ctx) + _sane_usage(result)
        response = result.response
        assert response is not None
        tokens = (response.tokens_input, response.tokens_output)
        if response.usage_estimated:
            if response.tokens_input <= 0:
                problems.append(f"estimated usage {tokens} has no input tokens")
        elif reported is None or tokens != reported:
            problems.append(
                f"usage {tokens} not estimated, but the server reported "
                + ("no usable counts" if reported is None else f"{reported}")
            )
        return problems

    return judge


def unknown_reason_success(result: Result, ctx: Context) -> list[str]:
    problems = whole_text_success(result, ctx)
    response = result.response
    assert response is not None
    if response.raw_finish_reason != "weird_reason":
        problems.append(
            f"raw_finish_reason {response.raw_finish_reason!r}, expected 'weird_reason'"
        )
    if str(response.finish_reason) not in ("other", "unknown"):
        problems.append(f"finish_reason {response.finish_reason!r}, expected 'other'/'unknown'")
    return problems


def two_tool_calls_success(result: Result, ctx: Context) -> list[str]:
    calls = [(c.id, c.name, dict(c.arguments)) for c in result.tool_calls]
    expected = [
        ("call_aaa", "get_weather", {"city": "Paris"}),
        ("call_bbb", "get_weather", {"city": "Rome"}),
    ]
    problems = [] if calls == expected else [f"tool calls {calls!r}, expected {expected!r}"]
    return problems + _sane_usage(result)


def deep_arguments_success(result: Result, ctx: Context) -> list[str]:
    calls = result.tool_calls
    if len(calls) != 1 or calls[0].raw_arguments != DEEP_ARGUMENTS or calls[0].arguments:
        shown = [(c.id, c.name, str(c.arguments)[:40], (c.raw_arguments or "")[:40]) for c in calls]
        return [f"tool calls {shown!r}, expected one keeping the 5,000-deep text as raw_arguments"]
    return _sane_usage(result)


def retried_success(result: Result, ctx: Context) -> list[str]:
    """Whole text, served by the retry after the hostile 429."""
    return whole_text_success(result, ctx)


def any_success(result: Result, ctx: Context) -> list[str]:
    return _sane_usage(result)


def _text(**fields: Any) -> Reply:
    return Reply(TEXT, chunk_size=8, input_tokens=12, output_tokens=7, **fields)


def _end_after_start(ctx: Context) -> Sequence[Reply]:
    # Anthropic: message_start + ping; OpenAI: the first (role) chunk.
    return _times(_text(stream_end_after=2 if ctx.wire == "anthropic" else 1))


def _rate_limited(header: str, value: str) -> Callable[[Context], Sequence[Reply]]:
    return lambda ctx: [Reply(status=429, headers={header: value}), _text()]


def _redirect(status: int) -> Callable[[Context], Sequence[Reply]]:
    return lambda ctx: _times(Reply(status=status, redirect_to=ctx.elsewhere))


def _echo_key(status: int) -> Callable[[Context], Sequence[Reply]]:
    return lambda ctx: _times(Reply(status=status, echo_key=True))


_TWO_CALLS = (
    ToolCallSpec("get_weather", {"city": "Paris"}, id="call_aaa"),
    ToolCallSpec("get_weather", {"city": "Rome"}, id="call_bbb"),
)

_STATUS_ERRORS: dict[int, type[BaseException]] = {
    401: AuthenticationError,
    400: BadRequestError,
    500: InternalServerError,
}

CASES: tuple[Case, ...] = (
    # -- bodies that are not what was asked for
    Case(
        "stream_gets_plain_json",
        "a stream request answered with the complete JSON message, no SSE",
        lambda ctx: _times(_text(body_fault="json")),
        modes=("stream",),
        success=whole_text_success,
        retried=True,
    ),
    Case(
        "malformed_json",
        "200 with a JSON body cut off in the middle",
        lambda ctx: _times(_text(body_fault="malformed")),
        retried=True,
    ),
    Case(
        "empty_body",
        "200 with an empty body (application/json)",
        lambda ctx: _times(_text(body_fault="empty")),
        retried=True,
    ),
    Case(
        "empty_sse_body",
        "200 text/event-stream with no events at all",
        lambda ctx: _times(_text(body_fault="empty", content_type="text/event-stream")),
        modes=("stream",),
        retried=True,
    ),
    Case(
        "json_array_body",
        "200 whose JSON body is []",
        lambda ctx: _times(_text(body_fault="array")),
        retried=True,
    ),
    Case(
        "json_wrong_object",
        'a 200 whose JSON body is {"foo":1}',
        lambda ctx: _times(_text(body_fault="object")),
        retried=True,
    ),
    # -- usage
    Case(
        "usage_missing",
        "no usage at all",
        lambda ctx: _times(_text(usage_fault="missing")),
        success=_usage_success(None),
    ),
    Case(
        "usage_strings",
        'usage counts as strings ("12")',
        lambda ctx: _times(_text(usage_fault="strings")),
        success=_usage_success((12, 7)),
    ),
    Case(
        "usage_negative",
        "negative token counts (-12 / -7)",
        lambda ctx: _times(_text(usage_fault="negative")),
        success=_usage_success(None),
    ),
    Case(
        "usage_huge_float",
        "token counts as the float 1e18",
        lambda ctx: _times(_text(usage_fault="huge")),
        success=_usage_success((10**18, 10**18)),
    ),
    # -- stream structure
    Case(
        "stream_ends_after_start",
        "a stream that ends cleanly right after its start (message_start / role chunk)",
        _end_after_start,
        modes=("stream",),
        retried=True,
    ),
    Case(
        "invalid_utf8",
        "a \\xff byte inside the text (a stream's data line, or the JSON body)",
        lambda ctx: _times(_text(invalid_utf8=True)),
        success=lambda result, ctx: (
            (
                []
                if result.response is not None
                and result.response.content in ("h\ufffdello there, hostile world", TEXT)
                and (ctx.mode == "complete" or result.streamed_text == result.response.content)
                else [f"content {result.response.content if result.response else None!r}"]
            )
            + _sane_usage(result)
        ),
    ),
    Case(
        "tool_index_collision",
        "two streamed tool calls with distinct ids sharing one index",
        lambda ctx: _times(Reply(tool_calls=_TWO_CALLS, same_tool_index=True)),
        modes=("stream",),
        success=two_tool_calls_success,
        tools=True,
    ),
    Case(
        "deep_tool_arguments",
        "tool arguments nested 5,000 levels deep ([[[...]]])",
        lambda ctx: _times(
            Reply(
                tool_calls=[
                    ToolCallSpec("get_weather", id="call_deep", raw_arguments=DEEP_ARGUMENTS)
                ]
            )
        ),
        success=deep_arguments_success,
        tools=True,
    ),
    Case(
        "unknown_finish_reason",
        "stop_reason / finish_reason 'weird_reason'",
        lambda ctx: _times(_text(stop_reason="weird_reason")),
        success=unknown_reason_success,
        error=False,
    ),
    # -- retry hints
    Case(
        "retry_after_nan",
        "429 with retry-after: nan, then a good answer",
        _rate_limited("retry-after", "nan"),
        success=retried_success,
    ),
    Case(
        "retry_after_ms_nan",
        "429 with retry-after-ms: NaN, then a good answer",
        _rate_limited("retry-after-ms", "NaN"),
        success=retried_success,
    ),
    Case(
        "retry_after_inf",
        "429 with retry-after: inf, then a good answer",
        _rate_limited("retry-after", "inf"),
        success=retried_success,
    ),
    Case(
        "retry_after_negative",
        "429 with retry-after: -5, then a good answer",
        _rate_limited("retry-after", "-5"),
        success=retried_success,
    ),
    # -- redirects to another host
    *(
        Case(
            f"redirect_{status}_other_host",
            f"{status} to the same path on 127.0.0.2 (a server that also wants the key)",
            _redirect(status),
            success=any_success,
            redirect=True,
        )
        for status in (302, 307, 308)
    ),
    # -- error bodies that echo the key
    *(
        Case(
            f"error_{status}_echoes_key",
            f"{status} whose error message gives the api key back",
            _echo_key(status),
            error_class=_STATUS_ERRORS[status],
            retried=status >= 500,
        )
        for status in (401, 400, 500)
    ),
    Case(
        "stream_error_echoes_key",
        "an in-stream error event, before any text, whose message gives the key back",
        lambda ctx: _times(_text(stream_error_after=1, echo_key=True)),
        modes=("stream",),
        retried=True,
    ),
)


# --------------------------------------------------------------------------- the table


class _Collector:
    """A pytest plugin keeping each matrix cell's outcome and first problem."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, str], tuple[str, str]] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        cell = dict(report.user_properties).get("hostile_cell")
        if cell is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.skipped:
                self.cells[cell] = ("skip", "")
            elif report.passed:
                self.cells[cell] = ("ok", "")
            else:
                self.cells[cell] = ("FAIL", _first_problem(report))


def _first_problem(report: Any) -> str:
    """The kinds of the cell's problems (``[raw JSONDecodeError] [not retried]``), else the
    last line of its failure."""
    text = str(getattr(report, "longreprtext", "") or report.longrepr)
    if "HOSTILE " in text:
        body = text.split("HOSTILE ", 1)[1]
        kinds = re.findall(r"(?:^| \| )(\[[^\]]+\])", body)
        if kinds:
            return " ".join(kinds)
        return body.strip().splitlines()[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "failed"


def render_table(cells: Mapping[tuple[str, str, str], tuple[str, str]]) -> str:
    columns = [(t.name, m) for t in TARGETS for m in MODES]
    width = max(len(c.name) for c in CASES)
    header = " " * width + " | " + " | ".join(f"{t[:17]:>17}/{m[0]}" for t, m in columns)
    lines = [header, "-" * len(header)]
    failures: dict[str, list[str]] = {}
    for case in CASES:
        row = []
        for target, mode in columns:
            status, problem = cells.get((case.name, target, mode), ("-", ""))
            row.append(f"{status:>19}")
            if status == "FAIL":
                failures.setdefault(problem, []).append(f"{case.name}[{target}/{mode}]")
        lines.append(f"{case.name:<{width}} | " + " | ".join(row))
    passed = sum(1 for s, _ in cells.values() if s == "ok")
    failed = sum(1 for s, _ in cells.values() if s == "FAIL")
    lines.append(f"\n{passed} cells pass, {failed} fail  (c: complete(), s: stream_events())")
    if failures:
        lines.append("\nFailures, grouped by their first problem:")
        for problem, where in sorted(failures.items(), key=lambda item: -len(item[1])):
            lines.append(f"\n* {problem}\n    " + "\n    ".join(where))
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    """Run the matrix under pytest and print the cases x plugin types table."""
    import pytest

    collector = _Collector()
    here = os.path.join(os.path.dirname(__file__), "test_hostile_matrix.py")
    code = pytest.main([here, "-q", "-p", "no:cacheprovider", "--tb=short", *argv], [collector])
    print()
    print(render_table(collector.cells))
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
