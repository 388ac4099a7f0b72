"""StateManager: owns the one asyncpg pool and hands out the stores that share it.

The SQL lives in the stores, one per aggregate (jobs.py, rows.py, reviews.py, events.py, intakes.py, rate_slots.py,
…); what callers may ask of each is spelled out in ports.py. Every write is idempotent on a natural key so that a
retried Temporal activity is harmless (the one exception, a rate limit's slot reservation, takes a new slot when
retried: a slot left unused only slows the source down), and row transitions keep the per-status counters in
`job_counts` exact in the same statement.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import asyncpg

from internal.domain.lifecycle import InvalidTransition, RowStatus
from internal.enrichment.product_store import ProductStore
from internal.enrichment.rate_slot_store import RateSlotStore
from internal.enrichment.review_store import ReviewStore
from internal.jobs.retry_store import Reopened, reopen_rows
from internal.jobs.upload_store import IntakeLedger
from internal.ledger.events import EventStore
from internal.ledger.jobs import JobNotFound, JobStore
from internal.ledger.rows import RowStore
from internal.platform.db import (
    DATABASE_UNAVAILABLE,
    DatabaseDiskFull,
    DatabaseUnreachable,
    InvalidValue,
    create_pool,
)
from internal.schedules.store import ScheduleStore

if TYPE_CHECKING:
    from internal.app.ports import Events, Jobs, Products, RateSlots, Reviews, Rows

# Callers import the errors from here; the database's are defined next to the pool (db.py), JobNotFound by the job
# store, InvalidTransition with the transitions (domain/lifecycle.py).
__all__ = [
    "DATABASE_UNAVAILABLE",
    "DatabaseDiskFull",
    "DatabaseUnreachable",
    "InvalidTransition",
    "InvalidValue",
    "JobNotFound",
    "StateManager",
]


class StateManager:
    """The stores over one pool. Prefer a store (`state.rows.set_row_state`) or a protocol of ports.py in new code;
    the flat methods below are the same bound methods, kept so that every existing call site reads as before."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.jobs = JobStore(pool)
        self.rows = RowStore(pool)
        self.reviews = ReviewStore(pool)
        self.events = EventStore(pool)
        self.intakes = IntakeLedger(pool)
        self.products = ProductStore(pool)
        self.schedules = ScheduleStore(pool)
        self.rate_slots = RateSlotStore(pool)

        self.create_job = self.jobs.create_job
        self.get_job = self.jobs.get_job
        self.list_jobs = self.jobs.list_jobs
        self.set_job_status = self.jobs.set_job_status
        self.fail_if_nothing_can_run = self.jobs.fail_if_nothing_can_run
        self.set_job_layout = self.jobs.set_job_layout
        self.delete_job = self.jobs.delete_job
        self.get_progress = self.jobs.get_progress

        self.add_rows = self.rows.add_rows
        self.ingest_rows = self.rows.ingest_rows
        self.complete_intake = self.rows.complete_intake
        self.clear_rows = self.rows.clear_rows
        self.page_row_keys = self.rows.page_row_keys
        self.set_row_state = self.rows.set_row_state
        self.close_open_rows = self.rows.close_open_rows
        self.get_row = self.rows.get_row
        self.set_row_meta = self.rows.set_row_meta
        self.get_row_meta = self.rows.get_row_meta
        self.get_results = self.rows.get_results

        self.store_reviews = self.reviews.store_reviews
        self.count_reviews = self.reviews.count_reviews
        self.unscored_reviews = self.reviews.unscored_reviews
        self.uncertain_review_ids = self.reviews.uncertain_review_ids
        self.store_scores = self.reviews.store_scores
        self.load_scores = self.reviews.load_scores
        self.add_costs = self.reviews.add_costs

        self.claim_reviews = self.products.claim_reviews
        self.publish_reviews = self.products.publish_reviews

        self.append_event = self.events.append_event
        self.list_events = self.events.list_events

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 10) -> StateManager:
        return cls(await create_pool(dsn, min_size=min_size, max_size=max_size))

    async def close(self) -> None:
        await self._pool.close()

    async def reopen_rows(self, job_id: str, statuses: Collection[RowStatus], event: str) -> Reopened:
        return await reopen_rows(self._pool, job_id, statuses, event)

    async def ping(self) -> bool:
        return bool(await self._pool.fetchval("SELECT true"))


if TYPE_CHECKING:
    # mypy checks here that each store, and the manager, satisfies the protocols callers are typed against.
    def _conforms(
        m: StateManager,
    ) -> tuple[Jobs, Rows, Reviews, Events, Products, RateSlots, Jobs, Rows, Reviews, Events, Products]:
        return m.jobs, m.rows, m.reviews, m.events, m.products, m.rate_slots, m, m, m, m, m
