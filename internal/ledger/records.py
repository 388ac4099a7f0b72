"""Records the StateManager reads and writes. Plain dataclasses: they cross into API responses and activities.

Reviews, scores and row references are the domain's records (internal/domain/), stored as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from internal.domain.lifecycle import TERMINAL_ROW_STATUSES, JobStatus, RowStatus


@dataclass(frozen=True, slots=True)
class NewRow:
    """One data row as accepted at upload. `error` set means the row is stored as `invalid`."""

    row_num: int
    product_id: str | None
    cells: list[str]
    name: str | None = None
    url: str | None = None
    source: str | None = None
    error: str | None = None
    error_column: int | None = None
    # What the intake changed in the row (an echoed cell truncated): the results add it to the row's reason.
    note: str | None = None


@dataclass(frozen=True, slots=True)
class NewJob:
    job_id: str
    filename: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    id_column: str | None = None
    delimiter: str | None = None
    idempotency_key: str | None = None
    # True when the rows follow in the same request (a CSV upload): the intake has begun with the job.
    intake_started: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    status: JobStatus
    filename: str | None
    options: dict[str, Any]
    header: list[str]
    id_column: str | None
    total_rows: int
    intake_complete: bool
    workflow_id: str | None
    idempotency_key: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Costs:
    """What a job's finished rows spent: requests sent to sources, scorer calls, and rows that reused reviews."""

    source_requests: int = 0
    scorer_calls: int = 0
    reused_rows: int = 0

    def plus(self, source_requests: int, scorer_calls: int, reused_rows: int) -> Costs:
        return Costs(
            self.source_requests + int(source_requests),
            self.scorer_calls + int(scorer_calls),
            self.reused_rows + int(reused_rows),
        )


@dataclass(frozen=True, slots=True)
class Progress:
    job_id: str
    status: JobStatus
    total: int
    counts: dict[RowStatus, int]
    started_at: datetime | None
    updated_at: datetime
    costs: Costs = field(default_factory=Costs)
    error: str | None = None  # why the job failed (jobs.error)

    @property
    def done(self) -> int:
        return sum(n for s, n in self.counts.items() if s in TERMINAL_ROW_STATUSES)

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else round(100.0 * self.done / self.total, 2)


@dataclass(frozen=True, slots=True)
class RowState:
    job_id: str
    row_num: int
    product_id: str | None
    name: str | None
    url: str | None
    source: str | None
    cells: list[str]
    status: RowStatus
    stage: str | None
    attempt: int
    result: dict[str, Any] | None
    reason: str | None
    error_column: int | None
    duplicate_of: int | None
    workflow_id: str | None
    updated_at: datetime
    # What this row's last run spent, and where its reviews came from when they were reused (migration 0003).
    source_requests: int = 0
    scorer_calls: int = 0
    reused: dict[str, Any] | None = None
    # The row's aspects and evidence (internal/domain/findings.py, migration 0007), when a reader attached them.
    findings: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Event:
    event_id: int
    job_id: str
    row_num: int | None
    kind: str
    details: dict[str, Any]
    created_at: datetime
