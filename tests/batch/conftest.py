"""Fixtures of the batch tests: a real redis-server for the session."""

from __future__ import annotations

from orchestify_core.testing.redis_server import redis_server

__all__ = ["redis_server"]
