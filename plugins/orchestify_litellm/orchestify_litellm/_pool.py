"""Releasing LiteLLM's pooled HTTP clients.

LiteLLM keeps its HTTP clients in a process-wide cache (``in_memory_llm_clients_cache``,
plus the ``module_level_aclient`` it keeps as a module attribute), shared by every caller.
Closing them while someone still uses them breaks that caller, and a closed client left in
the cache breaks every later call ("the client has been closed"). So they are released only
when the last open ``litellm`` provider of the process is closed, and released fully:
closed (``litellm.close_litellm_async_clients``) and forgotten, so that a provider built
later gets new ones. LiteLLM's logging worker (a task it starts on the loop of the first
call) is stopped too, when it runs on the closing loop, so no LiteLLM task is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

__all__ = ["release_pooled_clients", "stop_logging_worker"]


async def release_pooled_clients(litellm: Any) -> None:
    """Close LiteLLM's pooled HTTP clients and forget them."""
    close = getattr(litellm, "close_litellm_async_clients", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()
    flush = getattr(getattr(litellm, "in_memory_llm_clients_cache", None), "flush_cache", None)
    if flush is not None:
        flush()
    vars(litellm).pop("module_level_aclient", None)
    await stop_logging_worker()


async def stop_logging_worker() -> None:
    """Stop LiteLLM's logging worker if its task runs on this loop (pending log calls are
    dropped: this provider's calls are sent with LiteLLM's no-log flag)."""
    module = sys.modules.get("litellm.litellm_core_utils.logging_worker")
    worker = getattr(module, "GLOBAL_LOGGING_WORKER", None)
    task = getattr(worker, "_worker_task", None)
    if worker is None or not isinstance(task, asyncio.Task) or task.done():
        return
    if task.get_loop() is not asyncio.get_running_loop():
        return
    with contextlib.suppress(Exception):
        await worker.stop(discard_pending=True)
