"""On a terminal (tmux), `complete` says what it waits for while nothing has arrived yet."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from ._helpers import ORCHESTIFY, loopback_server

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def test_complete_shows_what_it_waits_for(tmp_path: Path) -> None:
    pytest.importorskip("orchestify_openai")
    with loopback_server("openai") as url:
        config = tmp_path / "c.yaml"
        config.write_text(
            "providers:\n  slow:\n    type: openai\n    api_key: ${LOOP_KEY:-k}\n"
            f"    default_model: gpt-4o-mini\n    base_url: {url}\n"
            "    headers: {x-loopback-reply: '{\"first_byte_delay\": 3}'}\n"
        )
        session = f"orchestify-{uuid.uuid4().hex[:8]}"
        done = tmp_path / "done"
        command = (f"LITELLM_LOCAL_MODEL_COST_MAP=True {shlex.quote(ORCHESTIFY)} complete "
                   f"-c {shlex.quote(str(config))} -p slow hello; touch {shlex.quote(str(done))}; "
                   "sleep 60")  # fmt: skip
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                        command], check=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while not done.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            screen = _pane(session)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    assert done.exists(), screen
    assert "orchestify: loading the openai plugin ..." in screen
    assert f"orchestify: waiting for slow at {url} ..." in screen
    assert "echo: hello" in screen
    assert "tokens: " in screen
