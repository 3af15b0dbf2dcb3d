"""Releasing LiteLLM's pooled HTTP clients.

LiteLLM keeps its HTTP clients in a process-wide cache (``in_memory_llm_clients_cache``,
plus the ``module_level_aclient`` it keeps as a module attribute), shared by every caller.
Closing them while someone still uses them breaks that caller, and a closed client left in
the cache breaks every later call ("the client has been closed"). So they are released only
when the last open ``litellm`` provider of the process is closed, and released fully:
closed (``litellm.close_litellm_async_clients``) and forgotten, so that a provider built
later gets new ones.
"""

from __future__ import annotations

import contextlib
from typing import Any

__all__ = ["release_pooled_clients"]


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
