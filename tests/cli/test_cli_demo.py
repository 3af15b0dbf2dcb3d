"""`orchestify demo` without the testing extra: the install command it names (the demo
itself runs in test_cli.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys

from ._helpers import REPO

ALL = ("orchestify_claude", "orchestify_openai", "orchestify_litellm", "aiohttp")


def test_demo_without_the_testing_extra_names_the_install_command() -> None:
    """aiohttp missing: the error names this interpreter's pip and, for a checkout installed
    in editable mode, the checkout's path with the extra."""
    code = ("import sys; sys.modules['aiohttp'] = None; "
            "from orchestify_core.cli import main; sys.exit(main(['demo']))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})  # fmt: skip
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("orchestify: error: the demo needs the testing extra (")
    pip = f"{shlex.quote(sys.executable)} -m pip install "
    editable = f"{pip}-e {shlex.quote(str(REPO) + '[testing]')}"
    published = f"{pip}'orchestify-core[testing]'"
    assert line.endswith((editable, published)), line
    direct = importlib.util.find_spec("orchestify_core")
    assert direct is not None
    if str(REPO) in str(direct.origin):  # this checkout is the one installed
        dist = __import__("importlib.metadata").metadata.distribution("orchestify-core")
        info = json.loads(dist.read_text("direct_url.json") or "{}")
        if info.get("dir_info", {}).get("editable"):
            assert line.endswith(editable)
