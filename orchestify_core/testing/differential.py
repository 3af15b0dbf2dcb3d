"""Differential tests of a fast-path decoder against its SDK's own decoding.

A provider plugin may decode the raw wire itself (a fast path) instead of letting its SDK
parse every answer into objects. Such a plugin keeps a second, slower setting that hands
the answer to the SDK, and proves the two alike: every answer is given twice, once to a
provider that decodes through the SDK and once to the fast path, the plugin's complete or
stream hook is called as the core calls it, and the outcomes must be identical (the
LLMResponse of a call; every event of a stream, in order, up to its end or its error; the
error as the user sees it). A third-party fast-path plugin describes itself in a
:class:`FastPathDiff` and writes its tests around it::

    from orchestify_core.testing.differential import FastPathDiff

    DIFF = FastPathDiff(
        plugin=plugin,  # the module with the orchestify_complete/stream/create_client hooks
        provider_type="myprovider",
        model="my-model",
        api_key="sk-diff",
        sdk_options=MyOptions(decode="sdk"),
        fast_options=MyOptions(decode="fast"),
        tool_id_prefix="call_",
        stop_reasons=("stop", "length"),
        extra_scenarios={"status_503": Reply(status=503)},
        wire_client=lambda http: mysdk.AsyncClient(api_key="k", base_url=..., http_client=http),
        wire_base_url="http://wire.test/v1",
    )

    @pytest.fixture
    def diff_server(openai_server):  # the loopback server speaking the plugin's protocol
        return openai_server

    test_same_records_both_ways = DIFF.same_records_test()
    test_wire_bodies_both_ways = DIFF.wire_bodies_test({"null": ("application/json", "null")})

:meth:`FastPathDiff.scenarios` covers every option of the loopback servers'
:class:`~orchestify_core.testing.servers.Reply` (text, chunks, tool calls, thinking, cache
and reasoning tokens, statuses, body and usage faults, stream errors, drops and early
ends), alone or together; :meth:`FastPathDiff.wire_outcomes` answers with a hand-written
body, handed over a few bytes at a time (it needs ``httpx2``, which the Anthropic and
OpenAI SDKs use). The ``*_test`` methods build test functions (assign them to ``test_*``
names); :meth:`FastPathDiff.server_outcomes` and :func:`assert_alike` serve tests of one's
own. Errors are compared by :func:`error_outcome`: class, message (request
ids normalised), status, error type and retry hints. A stray exception (an answer the
plugin could not read) is what the core turns into a MalformedResponseError; both paths
must raise one there, though not necessarily with the same words.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from orchestify_core import CompletionRequest, LLMMessage, OrchestifyError, ToolDefinition
from orchestify_core.config import ProviderConfig
from orchestify_core.plugin import APIError, MalformedResponseError, ProviderContext
from orchestify_core.secret import Secret
from orchestify_core.testing.servers import LoopbackServer, Reply, ThinkingSpec, ToolCallSpec

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "MODES",
    "TEXT",
    "TOOLS",
    "WIRE_PIECES",
    "FastPathDiff",
    "assert_alike",
    "attrs_evolve",
    "error_outcome",
]

MODES = ("complete", "stream")
WIRE_PIECES = (1, 5, 4096)  # bytes handed over at a time by a hand-written wire answer
TOOLS = (
    ToolDefinition(name="get_weather", input_schema={"type": "object"}),
    ToolDefinition(name="get_time", input_schema={"type": "object"}),
)
TEXT = 'Hello there, fast path: héllo ☃ 😀 "quoted" \\ back\nslash'

ContextPair = tuple[ProviderContext, ProviderContext]
TestFunction = Callable[..., Awaitable[None]]

_REQUEST_ID = re.compile(r"req_loopback\d+")
_UNREADABLE = ("MalformedResponseError (unreadable answer)",)


def attrs_evolve(reply: Reply, **changes: Any) -> Reply:
    """``reply`` with ``changes``: a scenario built on another."""
    return attrs.evolve(reply, **changes)


def error_outcome(exc: BaseException) -> tuple[Any, ...]:
    """An error as the user sees it, once the core's attempt boundary has typed it (the
    server numbers its request ids, which differ from one answer to the next)."""
    if isinstance(exc, MalformedResponseError):
        return _UNREADABLE
    if isinstance(exc, APIError):
        message = _REQUEST_ID.sub("req_N", str(exc))
        return (
            type(exc).__name__,
            message,
            exc.status_code,
            exc.error_type,
            exc.should_retry,
            exc.retry_after,
        )
    if isinstance(exc, OrchestifyError):
        return (type(exc).__name__, str(exc))
    if isinstance(exc, TimeoutError):
        return ("APITimeoutError",)
    return _UNREADABLE


def _faults() -> dict[str, Reply]:
    text = Reply(TEXT, chunk_size=7, input_tokens=12, output_tokens=7)
    scenarios: dict[str, Reply] = {}
    for fault in ("json", "malformed", "empty", "array", "object"):
        scenarios[f"body_{fault}"] = attrs_evolve(text, body_fault=fault)
    for fault in ("missing", "strings", "negative", "huge"):
        scenarios[f"usage_{fault}"] = attrs_evolve(text, usage_fault=fault)
    for after in (0, 1, 2, 3, 7):
        scenarios[f"stream_error_after_{after}"] = attrs_evolve(text, stream_error_after=after)
    for after in (0, 2, 3, 6):
        scenarios[f"drop_after_{after}"] = attrs_evolve(text, drop_after=after)
    for after in (1, 2, 4, 8):
        scenarios[f"stream_end_after_{after}"] = attrs_evolve(text, stream_end_after=after)
    return scenarios


def _tool_call_scenarios(prefix: str) -> dict[str, Reply]:
    calls = (
        ToolCallSpec(
            "get_weather", {"city": "Paris", "days": [1, 2], "deep": {"a": None}}, id=f"{prefix}a"
        ),
        ToolCallSpec("get_time", {"zone": "Europe/Rome"}, id=f"{prefix}fixed"),
    )

    def raw(arguments: str) -> Reply:
        return Reply(
            tool_calls=[ToolCallSpec("get_time", id=f"{prefix}c", raw_arguments=arguments)]
        )

    return {
        "tool_calls": Reply(tool_calls=calls, json_chunk_count=4),
        "text_and_tool_calls": Reply("Checking.", tool_calls=calls),
        "tool_call_no_arguments": Reply(tool_calls=[ToolCallSpec("get_time", id=f"{prefix}b")]),
        "tool_call_bad_json": raw('{"zone": nope'),
        "tool_call_deep_json": raw("[" * 3000 + "]" * 3000),
        "tool_call_array_json": raw("[1]"),
        "same_tool_index": Reply(tool_calls=calls, same_tool_index=True),
        "everything": Reply(
            TEXT,
            thinking=ThinkingSpec("why not", "sig-3"),
            redacted_thinking="cmVk",
            tool_calls=calls,
            input_tokens=100,
            output_tokens=50,
            cache_read_tokens=30,
            cache_write_tokens=20,
            reasoning_tokens=12,
        ),
    }


def _common_scenarios() -> dict[str, Reply]:
    return {
        "echo": Reply(),
        "text_in_chunks": Reply(TEXT, chunk_count=9),
        "text_one_char_chunks": Reply("abc def", chunk_size=1),
        "empty_text": Reply(""),
        "thinking": Reply("Answer.", thinking=ThinkingSpec("first, second, third", "sig-1")),
        "thinking_chunks": Reply(
            "Answer.", thinking=ThinkingSpec("a b c d e f g", "sig-2"), chunk_count=4
        ),
        "redacted_thinking": Reply("Answer.", redacted_thinking="Zm9vYmFy"),
        "cache_tokens": Reply("Cached.", input_tokens=10, cache_read_tokens=900, output_tokens=3),
        "cache_writes": Reply("Written.", input_tokens=10, cache_write_tokens=400),
        "reasoning_tokens": Reply("Thought.", output_tokens=40, reasoning_tokens=33),
        "other_model": Reply("Me.", model="claude-sonnet-4-5"),
        "fixed_id": Reply("Id.", id="msg_fixed"),
        "invalid_utf8": Reply(TEXT, chunk_size=8, invalid_utf8=True),
        "plain_content_type": Reply("Typed.", content_type="text/plain"),
        "status_400": Reply(status=400, error_message="bad thing"),
        "status_401_echo_key": Reply(status=401, echo_key=True),
        "status_429_retry_after": Reply(status=429, retry_after=3),
        "status_429_retry_after_ms": Reply(status=429, retry_after_ms=1500),
        "status_429_nan": Reply(status=429, headers={"retry-after": "nan"}),
        "status_500": Reply(status=500),
        "stream_error_api_error": Reply(
            TEXT, stream_error_after=4, error_type="api_error", error_message="boom"
        ),
        "stream_error_echo_key": Reply(TEXT, stream_error_after=2, echo_key=True),
    }


@attrs.frozen
class FastPathDiff:
    """What differs between fast-path plugins: the plugin, its protocol's scenarios, its
    options for each path and the SDK client that reads a hand-written wire answer."""

    plugin: Any  # the module whose orchestify_complete / _stream / _create_client run
    provider_type: str
    model: str
    api_key: str
    sdk_options: Any  # the plugin's options with the SDK decoding the answers
    fast_options: Any  # the plugin's options with its own fast path
    tool_id_prefix: str  # "toolu_", "call_": how the protocol's tool call ids start
    stop_reasons: tuple[str, ...]  # the protocol's own, plus one it does not know
    extra_scenarios: Mapping[str, Reply]  # statuses and error shapes of the protocol
    wire_client: Callable[[httpx2.AsyncClient], Any]  # the SDK client over that HTTP client
    wire_base_url: str

    @property
    def request(self) -> CompletionRequest:
        """The request every scenario answers: one user message, two tools."""
        message = LLMMessage(role="user", content="hi")
        return CompletionRequest(
            messages=(message,), model=self.model, max_tokens=2048, tools=TOOLS
        )

    def scenarios(self) -> dict[str, Reply]:
        """Every Reply option the server renders, alone or together."""
        stops = {
            f"stop_{reason}": Reply("Done.", stop_reason=reason) for reason in self.stop_reasons
        }
        stops["stop_sequence"] = Reply("Done.", stop_reason="stop_sequence", stop_sequence="##")
        return {
            **_common_scenarios(),
            **_tool_call_scenarios(self.tool_id_prefix),
            **self.extra_scenarios,
            **stops,
            **_faults(),
        }

    def context(self, base_url: str, options: Any, client: Any = None) -> ProviderContext:
        """A provider context as the core builds it, with ``options``; its own client unless
        ``client`` is given."""
        config = ProviderConfig(
            type=self.provider_type,
            default_model=self.model,
            api_key=Secret(self.api_key),
            base_url=base_url,
        )
        context = ProviderContext("diff", self.provider_type, config, options=options)
        context.client = (
            client if client is not None else self.plugin.orchestify_create_client(context)
        )
        return context

    @contextlib.asynccontextmanager
    async def contexts(self, base_url: str) -> AsyncIterator[ContextPair]:
        """The SDK-decoding context and the fast-path one, their clients closed after."""
        sdk = self.context(base_url, self.sdk_options)
        fast = self.context(base_url, self.fast_options)
        try:
            yield sdk, fast
        finally:
            await sdk.client.close()
            await fast.client.close()

    async def outcome(self, context: ProviderContext, mode: str) -> Any:
        """What one call gives: the response, or the events up to the end, and the error."""
        events: list[Any] = []
        try:
            if mode == "complete":
                complete = self.plugin.orchestify_complete
                return ("response", await complete(provider=context, request=self.request))
            async for event in self.plugin.orchestify_stream(
                provider=context, request=self.request
            ):
                events.append(event)
        except Exception as exc:
            return ("error", events, error_outcome(exc))
        return ("events", events)

    async def server_outcomes(
        self, contexts: ContextPair, server: LoopbackServer, reply: Reply, mode: str
    ) -> list[Any]:
        """The SDK's outcome and the fast path's, ``server`` answering each with ``reply``."""
        outcomes = []
        for context in contexts:
            server.enqueue(reply)
            outcomes.append(await self.outcome(context, mode))
        return outcomes

    async def wire_outcomes(
        self, body: bytes, content_type: str, mode: str, piece: int = 4096
    ) -> list[Any]:
        """The SDK's outcome and the fast path's for a hand-written answer ``body``, handed
        over ``piece`` bytes at a time."""
        outcomes = []
        for options in (self.sdk_options, self.fast_options):
            client = self.wire_client(_pieces_client(body, content_type, piece))
            context = self.context(self.wire_base_url, options, client)
            outcomes.append(await self.outcome(context, mode))
            await client.close()
        return outcomes

    def same_records_test(self) -> TestFunction:
        """``test_same_records_both_ways``: every scenario, complete and stream, alike on both
        paths (the test module's ``diff_server`` fixture gives the loopback server)."""
        scenarios = self.scenarios()

        async def test(name: str, mode: str, diff_server: LoopbackServer) -> None:
            async with self.contexts(diff_server.base_url) as contexts:
                outcomes = await self.server_outcomes(contexts, diff_server, scenarios[name], mode)
            assert_alike(outcomes)
            assert outcomes[1][0] in ("response", "events", "error")

        test = pytest.mark.parametrize("name", sorted(scenarios))(test)
        return pytest.mark.parametrize("mode", MODES)(test)

    def hostile_test(self, cases: Sequence[Any], script_context: Any) -> TestFunction:
        """``test_hostile_answers_both_ways``: each case's first reply alike on both paths,
        in each of its modes. A case has ``name``, ``modes`` and ``script``, which takes
        ``script_context(mode, base_url)`` and gives the replies."""

        async def test(case: Any, diff_server: LoopbackServer) -> None:
            """The hostile matrix's answers (tests/reliability) decode alike on both paths."""
            async with self.contexts(diff_server.base_url) as contexts:
                for mode in case.modes:
                    context = script_context(mode, diff_server.base_url)
                    reply = case.script(context)[0]
                    outcomes = await self.server_outcomes(contexts, diff_server, reply, mode)
                    assert_alike(outcomes, mode)

        test = pytest.mark.parametrize("case", cases, ids=lambda case: case.name)(test)
        return test

    def wire_streams_test(self, streams: Mapping[str, str]) -> TestFunction:
        """``test_wire_streams_both_ways``: hand-written event streams, read in pieces of
        each of :data:`WIRE_PIECES` bytes, alike on both paths."""

        async def test(name: str, piece: int) -> None:
            """Hand-written event streams, read in pieces of 1, 5 and 4,096 bytes."""
            body = streams[name].encode()
            assert_alike(await self.wire_outcomes(body, "text/event-stream", "stream", piece))

        test = pytest.mark.parametrize("name", sorted(streams))(test)
        return pytest.mark.parametrize("piece", WIRE_PIECES)(test)

    def wire_bodies_test(self, bodies: Mapping[str, tuple[str, str]]) -> TestFunction:
        """``test_wire_bodies_both_ways``: hand-written answers ``{name: (content type,
        body)}`` to a call, alike on both paths."""

        async def test(name: str) -> None:
            """Hand-written non-streamed bodies, including shapes the server never sends."""
            content_type, text = bodies[name]
            assert_alike(await self.wire_outcomes(text.encode(), content_type, "complete"))

        return pytest.mark.parametrize("name", sorted(bodies))(test)


def assert_alike(outcomes: Sequence[Any], note: str = "") -> None:
    """Fail unless the fast path's outcome equals the SDK's, showing both."""
    sdk, fast = outcomes
    if fast != sdk:
        where = f" ({note})" if note else ""
        raise AssertionError(
            f"the fast path differs from the SDK{where}:\nsdk:  {sdk!r}\nfast: {fast!r}"
        )


def _pieces_client(body: bytes, content_type: str, piece: int) -> httpx2.AsyncClient:
    """An HTTP client whose every answer is ``body``, handed over ``piece`` bytes at a time."""
    import httpx2

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), piece):
            yield body[start : start + piece]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=pieces(), headers={"content-type": content_type})

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
