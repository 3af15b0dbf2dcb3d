"""Batch jobs in a ledger store: what was submitted, so that another process (after a
restart) can read the job's status and collect its results where the first one left off.

A job is one JSON record keyed by the provider's batch id. Which results were collected is
not kept here: a collected result *is* its attempt row (id ``batch:<batch id>:<custom id>``),
written once by the store's ``settle`` (a second write of it records nothing), so recording
a result as collected and accounting it are one atomic step in every backend.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "SQLITE_SCHEMA",
    "BatchJobRow",
    "result_row_id",
    "sqlite_get_job",
    "sqlite_put_job",
    "sqlite_recorded",
]

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_jobs (
    id TEXT PRIMARY KEY, provider_id TEXT NOT NULL, data TEXT NOT NULL
);
"""
_CHUNK = 500


def result_row_id(batch_id: str, custom_id: str) -> str:
    """The attempt-row id of one batch result: the key that makes its accounting once-only."""
    return f"batch:{batch_id}:{custom_id}"


@attrs.frozen
class BatchJobRow:
    """A submitted batch, as recorded.

    Attributes:
        id: The provider's batch id.
        provider_id: The registry id of the provider it was submitted to.
        provider_type: That provider's type.
        submitted_at: Seconds since the epoch.
        models: The model of each request, by custom id, in submission order.
        agent: The agent of the provider view that submitted it, if any.
        tags: The tags its results are recorded with.
    """

    id: str
    provider_id: str
    provider_type: str
    submitted_at: float
    models: Mapping[str, str] = attrs.field(factory=dict)
    agent: str | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict)

    def to_json(self) -> str:
        data = attrs.asdict(self)
        data["models"] = list(self.models.items())  # a list keeps the order everywhere
        data["tags"] = dict(self.tags)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> BatchJobRow:
        data: dict[str, Any] = json.loads(text)
        data["models"] = {str(cid): str(model) for cid, model in data.get("models") or ()}
        data["tags"] = dict(data.get("tags") or {})
        return cls(**data)


def sqlite_put_job(connection: sqlite3.Connection, job: BatchJobRow) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO batch_jobs VALUES (?, ?, ?)",
        (job.id, job.provider_id, job.to_json()),
    )


def sqlite_get_job(connection: sqlite3.Connection, batch_id: str) -> BatchJobRow | None:
    found = connection.execute("SELECT data FROM batch_jobs WHERE id = ?", (batch_id,)).fetchone()
    return None if found is None else BatchJobRow.from_json(found[0])


def sqlite_recorded(connection: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        cursor = connection.execute(f"SELECT id FROM attempts WHERE id IN ({marks})", chunk)
        found.update(row[0] for row in cursor)
    return found


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])
