"""The stores the jobs family reads and writes, over one pool.

A job's records (internal/ledger/: jobs, rows, events), the upload intake's lease (upload_store.py) and the reopening
of a finished job's rows for a retry (retry_store.py). The service, the facade, the upload intake, the retry and the
recovery take this; StateManager (internal/app/state.py) extends it with the other families' stores, so the one
object the entry points open is also what they hand here.
"""

from __future__ import annotations

from collections.abc import Collection

import asyncpg

from internal.domain.lifecycle import RowStatus
from internal.jobs.retry_store import Reopened, reopen_rows
from internal.jobs.upload_store import IntakeLedger
from internal.ledger.events import EventStore
from internal.ledger.jobs import JobStore
from internal.ledger.rows import RowStore


class JobStores:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.jobs = JobStore(pool)
        self.rows = RowStore(pool)
        self.events = EventStore(pool)
        self.intakes = IntakeLedger(pool)

    async def reopen_rows(self, job_id: str, statuses: Collection[RowStatus], event: str) -> Reopened:
        return await reopen_rows(self._pool, job_id, statuses, event)
