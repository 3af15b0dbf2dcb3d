"""The loopback servers run as a separate process and scripted over the control API."""

from __future__ import annotations

import subprocess
import sys

import anthropic
import openai
import pytest

from orchestify_core.testing.servers import (
    Reply,
    ServerProcess,
    ThinkingSpec,
    ToolCallSpec,
    reply_from_dict,
    reply_to_dict,
)

KEY = "sk-process-test-key"


async def test_anthropic_process_answers_scripted_replies() -> None:
    """A child-process Anthropic server answers the SDK with replies queued over HTTP."""
    async with ServerProcess("anthropic") as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert (
            server.control.enqueue(Reply(text="from afar", cache_read_tokens=3), Reply(status=529))
            == 2
        )
        async with anthropic.AsyncAnthropic(
            api_key=KEY, base_url=server.base_url, max_retries=0
        ) as client:
            message = await client.messages.create(
                model="claude-haiku-4-5",
                max_tokens=10,
                messages=[{"role": "user", "content": f"leak {KEY}"}],
            )
            with pytest.raises(anthropic.OverloadedError):
                await client.messages.create(
                    model="claude-haiku-4-5",
                    max_tokens=10,
                    messages=[{"role": "user", "content": "again"}],
                )

        assert message.content[0].type == "text"
        assert message.content[0].text == "from afar"
        assert message.usage.cache_read_input_tokens == 3
        recorded = server.control.requests()
        assert [request["path"] for request in recorded] == ["/v1/messages"] * 2
        assert recorded[0]["headers"]["authorization"] == f"Bearer {KEY}"
        assert server.control.find_secret(KEY) == ["request 0 (POST /v1/messages): body"]
        server.control.wait_for_connections(0)
        server.control.reset()
        assert server.control.state()["requests"] == 0


def test_openai_process_serves_a_sync_client() -> None:
    """A child-process OpenAI server works from plain sync code and exits cleanly on stop."""
    server = ServerProcess("openai")
    with server:
        assert server.base_url.endswith("/v1")
        server.control.enqueue(Reply(text="streamed from afar", chunk_count=3))
        with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
            stream = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "hi"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = list(stream)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
            "streamed from afar"
        )
        assert chunks[-1].usage is not None
        assert server.control.state()["pending"] == 0
        pid = server.pid

    assert server.stop() is None  # already stopped by the with block
    with pytest.raises(RuntimeError):
        _ = server.pid
    assert pid > 0


def test_command_line_prints_ready_and_stops_on_sigterm() -> None:
    """`python -m orchestify_core.testing.servers` prints READY <url> and exits 0 on SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestify_core.testing.servers", "--provider", "openai"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:")
        assert line.rstrip().endswith("/v1")
    finally:
        process.terminate()
        assert process.wait(10) == 0
        assert process.stdout is not None
        process.stdout.close()


def test_bad_control_payload_is_refused() -> None:
    """The control API refuses an invalid reply with a message naming the field."""
    with ServerProcess("anthropic") as server, pytest.raises(ValueError, match="no_such_field"):
        server.control._call("POST", "enqueue", [{"no_such_field": 1}])


def test_reply_json_round_trip() -> None:
    """A reply survives its JSON form, which leaves out the defaults."""
    reply = Reply(
        text="t",
        tool_calls=[ToolCallSpec("f", {"a": [1, 2]}, id="x")],
        thinking=ThinkingSpec("think", "sig"),
        status=429,
        retry_after=1.5,
        headers={"x-a": "b"},
    )
    data = reply_to_dict(reply)
    assert data == {
        "text": "t",
        "tool_calls": [{"name": "f", "arguments": {"a": [1, 2]}, "id": "x"}],
        "thinking": {"text": "think", "signature": "sig"},
        "status": 429,
        "retry_after": 1.5,
        "headers": {"x-a": "b"},
    }
    assert reply_from_dict(data) == reply
    assert reply.response_headers() == {"x-a": "b", "retry-after": "1.5"}


@pytest.mark.parametrize(
    "data",
    [{"status": 99}, {"chunk_count": 0}, {"drop_after": -1}, {"tool_calls": "f"}, {"txt": "x"}],
)
def test_invalid_replies_are_refused(data: dict[str, object]) -> None:
    """Out-of-range values, wrong types and unknown fields raise ValueError."""
    with pytest.raises(ValueError, match="invalid reply"):
        reply_from_dict(data)
