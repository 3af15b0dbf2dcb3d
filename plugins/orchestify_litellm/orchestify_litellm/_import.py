"""The one place litellm is imported, and where it is told to be quiet.

(A module of its own, which the plugin template has no slot for: importing LiteLLM is
costly and process-wide, so it is done lazily, once, measured, and configured here.)

``import litellm`` is slow and heavy (about 2-4 s and 160-170 MB of RSS on a developer
machine), so it happens only when the first provider of type ``litellm`` is built, never
when this package or its plugin module is imported.

Before the import, ``LITELLM_LOCAL_MODEL_COST_MAP`` defaults to ``True`` so that litellm
reads the cost map it ships instead of downloading one at import time (an explicit value in
the environment is left alone).

After it, litellm is quieted unless the provider's ``options`` ask otherwise:

- ``litellm_log_level`` (default ``CRITICAL``): the level of litellm's own loggers
  (``LiteLLM``, ``LiteLLM Router``, ``LiteLLM Proxy``), which have their own stream handler.
- ``litellm_debug_info`` (default false): litellm's "Give Feedback / Get Help" and
  "Provider List" prints (``litellm.suppress_debug_info``).
- ``litellm_callbacks`` (default false): whether litellm's logging callbacks run for this
  provider's calls (every call is sent with litellm's ``no-log`` flag otherwise).

litellm keeps these switches process-wide, so the provider built last decides them.
litellm 1.110 has no usage telemetry in its SDK (its telemetry is an opt-in of the proxy);
a ``telemetry`` switch, should one appear, is turned off too.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from typing import Any

import attrs

from ._options import LiteLLMOptions

__all__ = ["COST_MAP_ENV", "LITELLM_LOGGERS", "ImportCost", "import_cost", "load_litellm"]

COST_MAP_ENV = "LITELLM_LOCAL_MODEL_COST_MAP"
LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")

_lock = threading.Lock()


@attrs.frozen
class ImportCost:
    """What importing litellm cost this process (measured once, when it happened here)."""

    seconds: float
    rss_mb: float | None


_cost: ImportCost | None = None


def import_cost() -> ImportCost | None:
    """The cost of ``import litellm`` in this process, or None if it was imported elsewhere."""
    return _cost


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def load_litellm(options: LiteLLMOptions) -> Any:
    """Import litellm (once per process) and quiet it as ``options`` say; return it."""
    global _cost
    module = sys.modules.get("litellm")
    if module is None:
        with _lock:
            module = sys.modules.get("litellm")
            if module is None:
                os.environ.setdefault(COST_MAP_ENV, "True")
                rss_before, started = _rss_mb(), time.perf_counter()
                module = importlib.import_module("litellm")
                seconds, rss_after = time.perf_counter() - started, _rss_mb()
                growth = (
                    rss_after - rss_before
                    if rss_before is not None and rss_after is not None
                    else None
                )
                _cost = ImportCost(seconds=seconds, rss_mb=growth)
    _apply(module, options)
    return module


def _apply(litellm: Any, options: LiteLLMOptions) -> None:
    litellm.suppress_debug_info = not options.litellm_debug_info
    litellm.set_verbose = False
    if hasattr(litellm, "telemetry"):
        litellm.telemetry = False
    for name in LITELLM_LOGGERS:
        logging.getLogger(name).setLevel(options.log_level)
