"""Two OS processes sharing a real Redis: identical calls started together in both make
exactly one request to the provider (a loopback server in a third process counts them)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from orchestify_core.testing.redis_server import RedisServer
from orchestify_core.testing.servers import Reply, ServerProcess

WORKER = Path(__file__).parent / "_cache_worker.py"
PROCESSES = 2
CALLS = 20


def run_workers(config: Path) -> list[dict[str, object]]:
    start = time.time() + 4  # every worker imported and built by then; they start together
    children = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(config), str(CALLS), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()[-2000:]
        assert b"unreachable" not in err, err.decode()[-2000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def test_two_processes_sharing_redis_make_one_request(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    pytest.importorskip("orchestify_openai")
    with ServerProcess("openai") as server:
        # The answer takes a while, so the other process is waiting when it is stored.
        server.control.enqueue(Reply(text="made once", first_byte_delay=1.0))
        config = tmp_path / "orchestify.yaml"
        config.write_text(
            f"cache: {{backend: redis, url: '{redis_server.url}', "
            f"prefix: p-{uuid.uuid4().hex[:8]}}}\n"
            "providers:\n  p:\n    type: openai\n    api_key: sk-fleet-key\n"
            f"    default_model: gpt-4o-mini\n    base_url: {server.base_url}\n"
            "    cache: true\n"
        )
        results = run_workers(config)
        requests = server.control.state()["requests_received"]
    assert requests == 1
    assert sum(int(result["called"]) for result in results) == 1  # type: ignore[call-overload]
    assert sum(int(result["cached"]) for result in results) == PROCESSES * CALLS - 1  # type: ignore[call-overload]
    assert all(result["texts"] == ["made once"] for result in results)
