"""Run a loopback server in a child process, and script it over its control API.

A server in another process keeps its work off the event loop being measured, which is
what a benchmark of the client wants, and serves clients that are not async at all.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self
from urllib.parse import urlsplit

from ._registry import PROVIDERS
from ._script import Reply, coerce_reply, reply_to_dict

__all__ = ["Control", "ServerProcess"]

# orchestify_core/testing/servers/_process.py -> the directory holding orchestify_core
_SOURCE_ROOT = Path(__file__).resolve().parents[3]


class Control:
    """A blocking client of a server's control API (``/_loopback/...``).

    Blocking is safe because the server runs in another process; do not use it against an
    in-process server from that server's own event loop.
    """

    def __init__(self, root_url: str, timeout: float = 10.0) -> None:
        self.root_url = root_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, name: str, payload: object = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.root_url}/_loopback/{name}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")
            raise ValueError(f"control API {name} failed ({exc.code}): {detail}") from None

    def enqueue(self, *replies: Reply | Mapping[str, Any]) -> int:
        """Queue replies on the server; returns how many are pending."""
        payload = [reply_to_dict(coerce_reply(reply)) for reply in replies]
        return int(self._call("POST", "enqueue", payload)["pending"])

    def requests(self) -> list[dict[str, Any]]:
        """The recorded API requests: method, path, query, headers, body."""
        result: list[dict[str, Any]] = self._call("GET", "requests")
        return result

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        self._call("POST", "reset", {})

    def state(self) -> dict[str, Any]:
        """Pending replies, request count, open and accepted connections."""
        result: dict[str, Any] = self._call("GET", "state")
        return result

    @property
    def open_connections(self) -> int:
        return int(self.state()["open_connections"])

    def find_secret(self, secret: str) -> list[str]:
        """Where ``secret`` appeared in recorded requests outside the auth header."""
        places: list[str] = self._call("POST", "find_secret", {"secret": secret})["places"]
        return places

    def wait_for_connections(self, count: int = 0, timeout: float = 5.0) -> None:
        """Wait until exactly ``count`` API connections are open; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while (current := self.open_connections) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{current} connections open after {timeout}s, expected {count}")
            time.sleep(0.01)


class ServerProcess:
    """A loopback server in a child process, as a context manager (sync or async).

    ::

        with ServerProcess("openai") as proc:
            proc.control.enqueue(Reply(text="hi"))
            client = openai.OpenAI(api_key="k", base_url=proc.base_url)

    The child is ``python -m orchestify_core.testing.servers``; it is stopped with SIGTERM
    (then killed after ``stop_timeout``), and it also exits if this process dies.
    ``api_key`` and ``record_limit`` are passed to the server (see :class:`LoopbackServer`).
    """

    def __init__(
        self,
        provider: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        record_limit: int | None = 10_000,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 20.0,
        stop_timeout: float = 5.0,
    ) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; expected one of {PROVIDERS}")
        self.provider = provider
        self._command = [
            python,
            "-m",
            "orchestify_core.testing.servers",
            "--provider",
            provider,
            "--host",
            host,
            "--port",
            str(port),
            "--watch-stdin",
            "--record-limit",
            str(-1 if record_limit is None else record_limit),
        ]
        if api_key is not None:
            self._command += ["--api-key", api_key]
        self._env = dict(os.environ if env is None else env)
        paths = [str(_SOURCE_ROOT), *filter(None, [self._env.get("PYTHONPATH")])]
        self._env["PYTHONPATH"] = os.pathsep.join(paths)
        self._startup_timeout = startup_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._base_url: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Launch the child and wait for its ``READY <base_url>`` line."""
        if self._process is not None:
            raise RuntimeError("the server process is already running")
        process = subprocess.Popen(
            self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self._env
        )
        self._process = process
        assert process.stdout is not None
        try:
            line = _read_line(process.stdout, self._startup_timeout)
        except BaseException:
            self.stop()
            raise
        if not line.startswith("READY "):
            code = process.poll()
            self.stop()
            raise RuntimeError(
                f"the {self.provider} loopback server did not start "
                f"(exit code {code}, output {line!r})"
            )
        self._base_url = line.removeprefix("READY ").strip()

    def stop(self) -> int | None:
        """Terminate the child (SIGTERM, then SIGKILL); returns its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        return process.returncode

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------ access

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the server process is not running")
        return self._process.pid

    @property
    def base_url(self) -> str:
        """The base URL the provider's SDK expects (OpenAI's ends in ``/v1``)."""
        if self._base_url is None:
            raise RuntimeError("the server process is not started")
        return self._base_url

    @property
    def root_url(self) -> str:
        """``http://host:port``."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def control(self) -> Control:
        """The control-API client of this server."""
        return Control(self.root_url)


def _read_line(stream: IO[bytes], timeout: float) -> str:
    """One line from a pipe, or TimeoutError; the read runs in a thread so it can time out."""
    lines: queue.Queue[bytes] = queue.Queue(maxsize=1)
    thread = threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True)
    thread.start()
    try:
        return lines.get(timeout=timeout).decode("utf-8", errors="replace")
    except queue.Empty:
        raise TimeoutError(f"no READY line from the loopback server in {timeout}s") from None
