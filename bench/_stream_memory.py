"""Peak memory of one long stream per client, measured with tracemalloc.

Each client streams the per-chunk workload once untraced (connections, imports, caches),
then once with tracemalloc on; the figure is the peak of Python allocations during that
stream above what was allocated before it (KiB). tracemalloc slows every allocation, so
this runs apart from the timed sections and only its memory figure is kept.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Mapping
from typing import Any

from ._calls import build_targets, long_stream

__all__ = ["stream_peaks"]


async def stream_peaks(servers: Mapping[str, str], chunks: int) -> dict[str, dict[str, Any]]:
    """provider -> client -> ``{"peak_kib": ...}`` for one ``chunks``-chunk stream."""
    targets = build_targets(servers, long_stream(chunks), streaming=True)
    peaks: dict[str, dict[str, Any]] = {}
    try:
        for target in targets:
            await target.stream()
            gc.collect()
            tracemalloc.start()
            try:
                base, _ = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
                timing = await target.stream()
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            peaks.setdefault(target.provider, {})[target.client] = {
                "peak_kib": (peak - base) / 1024,
                "chunks": timing.chunks,
            }
    finally:
        for target in targets:
            await target.aclose()
    return peaks
