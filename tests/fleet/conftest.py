"""Fixtures of the fleet tests: a real redis-server for the session, and a fresh key prefix
per test (so that tests sharing the server never share a bucket or a breaker)."""

from __future__ import annotations

import uuid

import pytest

from orchestify_core.testing.redis_server import redis_server

__all__ = ["redis_server"]


@pytest.fixture
def prefix() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"
