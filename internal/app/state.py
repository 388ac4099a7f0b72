"""StateManager: owns the one asyncpg pool and hands out the stores that share it.

The SQL lives in the stores, one per aggregate: the job records every family writes (internal/ledger/: jobs, rows,
events), the upload intake and the retry's reopening (internal/jobs/), reviews, products and rate-limit slots
(internal/enrichment/), schedules (internal/schedules/store.py). Callers use a store (`state.rows.set_row_state`),
and each family's code takes only the stores it needs: the jobs family takes JobStores (which this extends), the
enrichment activities their protocols (internal/enrichment/ports.py). Every write is idempotent on a natural key so
that a retried Temporal activity is harmless (the one exception, a rate limit's slot reservation, takes a new slot
when retried: a slot left unused only slows the source down), and row transitions keep the per-status counters in
`job_counts` exact in the same statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from internal.alerts.stores import AlertStores
from internal.enrichment.findings_store import FindingsStore
from internal.enrichment.product_store import ProductStore
from internal.enrichment.rate_slot_store import RateSlotStore
from internal.enrichment.review_store import ReviewStore
from internal.ingest.live_store import LiveStore
from internal.ingest.store import IngestStore
from internal.jobs.stores import JobStores
from internal.ledger.dead_letters import DeadLetterStore
from internal.platform.db import create_pool
from internal.schedules.store import ScheduleStore

if TYPE_CHECKING:
    from internal.enrichment.limiter import RateSlots
    from internal.enrichment.ports import EnrichmentStores


class StateManager(JobStores):
    """Every store over one pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.reviews = ReviewStore(pool)
        self.products = ProductStore(pool)
        self.findings = FindingsStore(pool)
        self.schedules = ScheduleStore(pool)
        self.rate_slots = RateSlotStore(pool)
        self.dead_letters = DeadLetterStore(pool)
        self.ingest = IngestStore(pool)
        self.live = LiveStore(pool)
        self.alerts = AlertStores(pool)

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 10) -> StateManager:
        return cls(await create_pool(dsn, min_size=min_size, max_size=max_size))

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> bool:
        return bool(await self._pool.fetchval("SELECT true"))


if TYPE_CHECKING:
    # mypy checks here that the manager satisfies the protocols the enrichment activities are typed against.
    def _conforms(m: StateManager) -> tuple[EnrichmentStores, RateSlots]:
        return m, m.rate_slots
