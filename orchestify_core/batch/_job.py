"""BatchJob: a submitted batch, its status, its results and its cancellation.

A job is a handle: ``provider.batch(...)`` returns one, ``provider.batch_job(batch_id)``
makes one for a batch submitted earlier (by this process or another, before a restart).
Its results are read from the provider each time :meth:`BatchJob.results` runs; each is
accounted at the batch price the first time any process collects it, never again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from .._boundary import typed_errors
from ..errors import BatchNotSupportedError, ProviderError
from ..retry import is_retryable
from ..store._batch_jobs import BatchJobRow
from ._journal import Journal
from ._records import BatchItemResult, BatchState, BatchStatus
from ._results import collect

if TYPE_CHECKING:
    from ..provider import LLMProvider

__all__ = ["DEFAULT_MAX_INTERVAL", "DEFAULT_POLL_INTERVAL", "BatchJob"]

logger = logging.getLogger("orchestify_core.batch")

T = TypeVar("T")

#: Seconds between the first polls, and the most backoff stretches them to.
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_MAX_INTERVAL = 300.0
_BACKOFF = 1.5
_MAX_POLL_ERRORS = 5


class BatchJob:
    """A provider batch: ``status()``, ``wait()``, ``async for r in results()``, ``cancel()``.

    Attributes:
        id: The provider's batch id.
        provider: The provider it runs on.
        last_status: The status the last poll returned (None before the first).
    """

    def __init__(self, provider: LLMProvider, batch_id: str,
                 record: BatchJobRow | None = None) -> None:  # fmt: skip
        if not isinstance(batch_id, str) or not batch_id.strip():
            raise ValueError(f"a batch id must be a non-empty string, got {batch_id!r}")
        self.id = batch_id
        self.provider = provider
        self.last_status: BatchStatus | None = None
        self._record = record
        self._journal = Journal(provider)

    def __repr__(self) -> str:
        state = self.last_status.state.value if self.last_status else "unknown"
        return f"<BatchJob {self.id} provider={self.provider.provider_id!r} state={state}>"

    async def record(self) -> BatchJobRow | None:
        """What was recorded when the batch was submitted (None: not recorded here)."""
        if self._record is None:
            self._record = await self._journal.get(self.id)
        return self._record

    async def custom_ids(self) -> list[str]:
        """The submitted custom ids, in order (empty when the job is not recorded here)."""
        record = await self.record()
        return list(record.models) if record is not None else []

    # ------------------------------------------------------------------ provider calls

    async def _hook(self, name: str, awaitable: Awaitable[T] | None) -> T:
        provider = self.provider
        if awaitable is None:
            raise BatchNotSupportedError(provider.provider_id, provider.provider_type,
                                         f"its plugin does not implement {name}")  # fmt: skip
        context = provider._context
        with typed_errors(context, context.config.timeout):
            return await awaitable

    async def status(self) -> BatchStatus:
        """Ask the provider where the batch is (one request)."""
        hooks, context = self.provider._hooks, self.provider._context
        status: BatchStatus = await self._hook(
            "orchestify_batch_status",
            hooks.orchestify_batch_status(provider=context, batch_id=self.id),
        )
        self.last_status = status
        return status

    async def cancel(self) -> BatchStatus:
        """Ask the provider to cancel the batch; finished items keep their results, the
        others are reported as cancelled by :meth:`results`."""
        hooks, context = self.provider._hooks, self.provider._context
        status: BatchStatus = await self._hook(
            "orchestify_batch_cancel",
            hooks.orchestify_batch_cancel(provider=context, batch_id=self.id),
        )
        self.last_status = status
        return status

    async def wait(
        self,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        timeout: float | None = None,
    ) -> BatchStatus:
        """Poll until the batch reaches a final state, and return that status.

        The wait between polls starts at ``poll_interval`` and grows by half each poll up to
        ``max_interval``; a ``retry-after`` the provider sends is honoured (the next poll is
        never earlier). A poll that fails with a retryable error (429, 5xx, a connection
        error) is retried the same way, up to 5 times in a row.

        :raises TimeoutError: the batch was not final after ``timeout`` seconds.
        """
        if poll_interval <= 0 or max_interval < poll_interval:
            raise ValueError("poll_interval must be > 0 and max_interval >= poll_interval")
        deadline = None if timeout is None else time.monotonic() + timeout
        delay, errors = poll_interval, 0
        while True:
            try:
                status = await self.status()
                errors, hint, why = 0, status.retry_after, "retry-after"
            except ProviderError as exc:
                errors += 1
                if not is_retryable(exc) or errors >= _MAX_POLL_ERRORS:
                    raise
                status, hint, why = None, getattr(exc, "retry_after", None), type(exc).__name__
            if status is not None and status.state.is_final:
                return status
            pause = max(delay, hint) if hint is not None else delay
            _check_deadline(self, deadline, pause, status)
            logger.debug("batch %s: %s; next poll in %.2f s%s", self.id,
                         status.state.value if status else why, pause,
                         f" ({why})" if hint is not None and hint >= delay else "")  # fmt: skip
            await asyncio.sleep(pause)
            delay = min(delay * _BACKOFF, max_interval)

    def results(
        self,
        *,
        wait: bool = True,
        new_only: bool = False,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
    ) -> AsyncIterator[BatchItemResult]:
        """Every request's result, matched by custom id: ``async for result in job.results()``.

        Waits (polling, as :meth:`wait`) for the batch to end, unless ``wait`` is False (then
        a batch still running raises RuntimeError). Each result is accounted at the batch
        price the first time it is collected (by any process sharing the ledger) and
        carries ``collected_before=True`` when it was collected earlier; ``new_only`` skips
        those. Submitted requests the provider has no result for are reported as expired,
        cancelled or errored (by how the batch ended): none is dropped.
        """
        return collect(self, wait, new_only, {"poll_interval": poll_interval,
                                              "max_interval": max_interval})  # fmt: skip

    async def _final_status(self, wait: bool, polling: dict[str, Any]) -> BatchStatus:
        status = self.last_status
        if status is None or not status.state.is_final:
            status = await (self.wait(**polling) if wait else self.status())
        if not status.state.is_final:
            raise RuntimeError(
                f"batch {self.id} is {status.state.value}: its results are not ready "
                "(wait for it, or call results() without wait=False)"
            )
        return status


def _check_deadline(job: BatchJob, deadline: float | None, pause: float,
                    status: BatchStatus | None) -> None:  # fmt: skip
    if deadline is not None and time.monotonic() + pause > deadline:
        state = status.state.value if status is not None else BatchState.IN_PROGRESS.value
        raise TimeoutError(f"batch {job.id} is still {state}: wait() timed out")
