"""Event loops (issue 13, item 16) and LiteLLM's background task after aclose (item 15):
a provider works from several loops in turn and at once, over real sockets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from litellm_support import MODELS, Build, user

from orchestify_core.testing.servers import server_class


@pytest.fixture(params=["anthropic", "openai"])
def remote(request: pytest.FixtureRequest, api_key: str) -> Iterator[tuple[str, str]]:
    """A loopback server in a thread of its own (its own loop), and the model reaching it."""
    ready = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        async with server_class(request.param)(api_key=api_key) as server:
            state["url"], state["loop"], state["stop"] = (
                server.base_url,
                asyncio.get_running_loop(),
                asyncio.Event(),
            )
            ready.set()
            stop = state["stop"]
            assert isinstance(stop, asyncio.Event)
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30)
    yield MODELS[request.param], str(state["url"])
    loop, stop = state["loop"], state["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop)
    assert isinstance(stop, asyncio.Event)
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)


# LiteLLM queues its success logging on a worker bound to the loop that first logged; a
# loop that ends first leaves such a coroutine unawaited inside LiteLLM (its logging only:
# the calls and their accounting are whole, as the tests check).
pytestmark = pytest.mark.filterwarnings(
    "ignore:coroutine 'Logging.async_success_handler' was never awaited"
)


def test_asyncio_run_three_times(remote: tuple[str, str], build: Build) -> None:
    """Three asyncio.run calls in a row on one provider all succeed."""
    model, url = remote
    provider = build(model, url)
    answers = [asyncio.run(provider.complete(user(f"call {n}"))).content for n in range(3)]
    assert answers == ["echo: call 0", "echo: call 1", "echo: call 2"]
    asyncio.run(provider.aclose())


def test_four_threads_each_with_its_loop(remote: tuple[str, str], build: Build) -> None:
    """4 threads, each with its own loop, 20 calls each (completions and streams): all
    succeed."""
    model, url = remote
    provider = build(model, url)
    failures: list[BaseException] = []
    successes: list[str] = []

    async def work(worker: int) -> None:
        for n in range(20):
            try:
                if n % 2:
                    text = "".join([c async for c in provider.stream(user(f"{worker}-{n}"))])
                else:
                    text = (await provider.complete(user(f"{worker}-{n}"))).content
                successes.append(text)
            except Exception as exc:  # collected, asserted below
                failures.append(exc)

    threads = [threading.Thread(target=asyncio.run, args=(work(w),)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    asyncio.run(provider.aclose())
    assert failures == []
    assert len(successes) == 80


def test_no_litellm_task_left_after_aclose(remote: tuple[str, str], build: Build) -> None:
    """After the last litellm provider is closed, no LiteLLM task remains on the loop."""
    model, url = remote

    async def main() -> list[str]:
        provider = build(model, url)
        await provider.complete(user("hi"))
        _ = [c async for c in provider.stream(user("hi"))]
        await provider.aclose()
        await asyncio.sleep(0)
        current = asyncio.current_task()
        return [
            repr(task.get_coro())
            for task in asyncio.all_tasks()
            if task is not current and "litellm" in repr(task.get_coro()).lower()
        ]

    assert asyncio.run(main()) == []
