"""What callers may ask of the state, in narrow protocols: depend on the smallest one that does the job.

Each store of internal/state/ satisfies its aggregate's protocols (JobStore: Jobs; RowStore: Rows; ReviewStore:
Reviews; EventStore: Events), and StateManager satisfies them all, so a caller can be handed either. Code typed
against a protocol cannot reach past it (an activity that scores reviews cannot delete a job), and a test can
satisfy one with a few lines.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from typing import Any, Protocol

from internal.domain.lifecycle import JobStatus, RowStatus
from internal.domain.models import Review, ReviewScore
from internal.domain.reuse import ReviewClaim
from internal.domain.rows import RowRef
from internal.enrichment.rate_slot_store import SlotReservation
from internal.ledger.records import Event, Job, NewJob, NewRow, Progress, RowState

# ---- jobs ----------------------------------------------------------------------------------------------------


class JobStatuses(Protocol):
    async def set_job_status(
        self, job_id: str, status: JobStatus, *, error: str | None = None, workflow_id: str | None = None
    ) -> Job:
        """`completed` for a job in which no row could run ends it `failed`, with the reason in `error`."""
        ...


class Jobs(JobStatuses, Protocol):
    async def create_job(self, job: NewJob) -> tuple[Job, bool]: ...

    async def get_job(self, job_id: str) -> Job: ...

    async def list_jobs(
        self, *, limit: int = 50, status: JobStatus | None = None, before: tuple[Any, str] | None = None
    ) -> list[Job]: ...

    async def set_job_layout(
        self,
        job_id: str,
        *,
        header: list[str],
        id_column: str | None,
        delimiter: str | None,
        filename: str | None = None,
    ) -> None: ...

    async def delete_job(self, job_id: str) -> bool: ...

    async def fail_if_nothing_can_run(self, job_id: str) -> Job | None: ...

    async def get_progress(self, job_id: str) -> Progress: ...


# ---- rows ----------------------------------------------------------------------------------------------------


class RowIntake(Protocol):
    async def add_rows(self, job_id: str, rows: Sequence[NewRow]) -> int: ...

    async def ingest_rows(
        self, job_id: str, rows: Iterable[NewRow] | AsyncIterable[NewRow], *, batch_size: int = 5000
    ) -> int: ...

    async def complete_intake(self, job_id: str) -> Progress: ...

    async def clear_rows(self, job_id: str) -> None: ...


class RowWork(Protocol):
    """Moving rows through their statuses: what the workflows' activities do."""

    async def page_row_keys(
        self,
        job_id: str,
        *,
        after_row: int = 0,
        limit: int = 500,
        statuses: Sequence[RowStatus] = ("pending",),
    ) -> list[RowRef]: ...

    async def set_row_state(
        self,
        job_id: str,
        row_num: int,
        status: RowStatus,
        *,
        stage: str | None = None,
        attempt: int | None = None,
        result: dict[str, Any] | None = None,
        reason: str | None = None,
        workflow_id: str | None = None,
    ) -> RowStatus | None: ...

    async def close_open_rows(self, job_id: str, status: RowStatus, reason: str) -> int: ...


class RowMeta(Protocol):
    """The product facts (name, price, …) a source reported for a row."""

    async def set_row_meta(self, job_id: str, row_num: int, meta: dict[str, Any]) -> None: ...

    async def get_row_meta(self, job_id: str, row_num: int) -> dict[str, Any] | None: ...


class RowReads(Protocol):
    async def get_row(self, job_id: str, row_num: int) -> RowState | None: ...

    async def get_results(self, job_id: str, *, after_row: int = 0, limit: int = 100) -> list[RowState]: ...


class Rows(RowIntake, RowWork, RowMeta, RowReads, Protocol):
    pass


# ---- reviews and scores -----------------------------------------------------------------------------------------


class Reviews(Protocol):
    async def store_reviews(
        self, job_id: str, row_num: int, reviews: Sequence[Review], *, requests: int = 0
    ) -> int: ...

    async def add_costs(
        self, job_id: str, row_num: int, *, source_requests: int = 0, scorer_calls: int = 0
    ) -> None: ...

    async def count_reviews(self, job_id: str, row_num: int) -> int: ...

    async def unscored_reviews(
        self,
        job_id: str,
        row_num: int,
        scorer: str,
        *,
        limit: int = 500,
        only_ids: Sequence[str] | None = None,
    ) -> list[Review]: ...

    async def uncertain_review_ids(
        self, job_id: str, row_num: int, scorer: str, min_confidence: float
    ) -> list[str]: ...

    async def store_scores(
        self, job_id: str, row_num: int, scores: Sequence[ReviewScore], *, calls: int = 0
    ) -> int: ...

    async def load_scores(self, job_id: str, row_num: int) -> list[tuple[Review, list[ReviewScore]]]: ...


class Products(Protocol):
    """Reviews and scores kept per (source, product) across jobs (internal/enrichment/product_store.py)."""

    async def claim_reviews(
        self, job_id: str, row_num: int, source: str, product_id: str, *, max_age_seconds: int, refresh: bool
    ) -> ReviewClaim: ...

    async def publish_reviews(
        self,
        job_id: str,
        row_num: int,
        source: str,
        product_id: str,
        *,
        cursor: str | None,
        pages: int,
        exhausted: bool,
        escalation: int,
        attempt: int,
        budget: int,
        result: dict[str, Any] | None,
    ) -> dict[str, Any] | None: ...


class RowEnrichment(RowWork, RowMeta, Reviews, Products, Protocol):
    """What enriching a row reads and writes (the fetch, score and feedback activities): its status and product
    facts, its reviews and scores, and the reviews kept per product."""


# ---- rate limits -------------------------------------------------------------------------------------------------


class RateSlots(Protocol):
    """The request slots of rate-limited sources, shared by every worker process
    (internal/enrichment/rate_slot_store.py)."""

    async def reserve_slot(self, source: str, interval: float, max_wait: float) -> SlotReservation: ...


# ---- events ------------------------------------------------------------------------------------------------------


class EventLog(Protocol):
    async def append_event(
        self, job_id: str, kind: str, details: dict[str, Any] | None = None, *, row_num: int | None = None
    ) -> int: ...


class Events(EventLog, Protocol):
    async def list_events(self, job_id: str, *, after_id: int = 0, limit: int = 100) -> list[Event]: ...
