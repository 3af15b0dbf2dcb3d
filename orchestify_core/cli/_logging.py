"""What ``-v`` and ``--debug`` show on stderr: retries, failovers, each failed attempt.

The core logs each retry (its error type and the wait) at INFO and each failover at WARNING
on ``orchestify_core.provider``; the attempt observer registered here adds each failed
attempt's own message (why it failed), at INFO.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["setup_logging"]


class _Ours(logging.Filter):
    """orchestify's records at the chosen level; anyone else's at WARNING and above."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("orchestify"):
            return record.levelno >= self.level
        return record.levelno >= logging.WARNING


def _register_attempt_log() -> None:
    """A cross-cutting plugin logging why each failed attempt failed."""
    from ..hookspecs import hookimpl
    from ..plugins import default_plugin_manager

    logger = logging.getLogger("orchestify_core.cli")

    class AttemptLog:
        @hookimpl
        def orchestify_attempt_finished(self, provider: Any, attempt: Any) -> None:
            if attempt.error:
                logger.info(
                    "provider %s: attempt failed after %.2fs: %s",
                    attempt.provider_id,
                    attempt.latency_s,
                    attempt.error,
                )

    default_plugin_manager().register(AttemptLog(), name="orchestify-cli-attempt-log")


def setup_logging(verbose: int, debug: bool) -> None:
    """WARNING by default; ``-v`` INFO (retries, failed attempts); ``-vv``/``--debug`` DEBUG."""
    level = logging.WARNING
    if verbose >= 2 or debug:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.addFilter(_Ours(level))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(level, logging.WARNING))
    if level < logging.WARNING:
        _register_attempt_log()


class _Formatter(logging.Formatter):
    """``orchestify: info: <message>``, the level in lower case like the error lines."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"orchestify: {record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text
