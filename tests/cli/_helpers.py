"""Running the installed ``orchestify`` command and the loopback servers as a user would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ORCHESTIFY = shutil.which("orchestify") or str(Path(sys.executable).parent / "orchestify")
REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str | None] | None = None, stdin: str | None = None,
        cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """The command, run to its end, with ``env`` added to (or, for None values, removed
    from) this environment."""
    full_env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    full_env.pop("ORCHESTIFY_CONFIG", None)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    return subprocess.run([ORCHESTIFY, *args], capture_output=True, text=True, env=full_env,
                          input=stdin, timeout=timeout, cwd=cwd)  # fmt: skip


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def loopback_server(provider: str, port: int = 0) -> Iterator[str]:
    """``python -m orchestify_core.testing.servers`` in a process of its own; its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestify_core.testing.servers", "--provider", provider,
         "--port", str(port), "--watch-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY "), line
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
