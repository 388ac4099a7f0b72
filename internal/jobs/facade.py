"""The enricher facade: the old pipeline's interface (enrich / get_progress / cancel / get_results, plus
pause / resume / rerun), kept for the teams migrating from that pipeline. The API, the CLI and
cmd/enrich_file.py run jobs through it only. Its one implementation in production is TemporalEnricher
(internal/jobs/enricher.py); the old in-process pipeline implements it too, as the benchmark baseline
(bench/channel_enricher.py), which keeps the interface honest: nothing Temporal-specific leaks into it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime

from internal.domain.errors import ServiceError
from internal.domain.lifecycle import TERMINAL_JOB_STATUSES, JobStatus, RowStatus
from internal.enrichment.findings_cells import with_findings
from internal.jobs.stores import JobStores
from internal.ledger.records import Costs, Job, Progress, RowState


class InvalidJobState(ServiceError):
    """The job is in a status where the request makes no sense; `code` says which (`already_started`, …)."""

    status, code = 409, "invalid_transition"


class EnrichmentUnavailable(ServiceError):
    """The orchestrator could not be reached or refused the request; `code` says which (`previous_run_open`)."""

    status, code = 503, "orchestrator_unavailable"


@dataclass(frozen=True)
class ProgressView:
    job_id: str
    status: str
    total: int
    counts: dict[RowStatus, int]
    done: int
    percent: float
    eta_seconds: float | None
    rows_per_second: float | None
    costs: Costs = field(default_factory=Costs)
    error: str | None = None


class Enricher(ABC):
    """The facade. What every implementation shares lives here: progress and results come from PostgreSQL,
    never from Temporal visibility (rate-limited to ~10 requests/s: docs/limits.md)."""

    def __init__(self, state: JobStores) -> None:
        self.state = state

    async def _job(self, job_id: str) -> Job:
        # An unknown job raises the job store's JobNotFound: one "not found" for every layer.
        return await self.state.jobs.get_job(job_id)

    async def _startable(self, job_id: str) -> Job:
        job = await self._job(job_id)
        if not job.intake_complete:
            raise InvalidJobState(f"job {job_id!r} has no complete upload yet")
        if job.status in TERMINAL_JOB_STATUSES:
            raise InvalidJobState(f"job {job_id!r} is already {job.status}")
        return job

    @abstractmethod
    async def enrich(self, job_id: str) -> str:
        """Start the job; idempotent. Returns the id of what runs it."""

    @abstractmethod
    async def rerun(self, job_id: str) -> str:
        """Run a finished job again over its pending rows (after JobService reopened its failed ones)."""

    # Each action answers the status it leads to (domain/lifecycle.py ACTION_LEADS_TO), or the terminal status a
    # job reached at once (an unstarted job is cancelled, not `cancelling`): what the API and the CLI show.
    @abstractmethod
    async def cancel(self, job_id: str) -> JobStatus: ...

    @abstractmethod
    async def pause(self, job_id: str) -> JobStatus: ...

    @abstractmethod
    async def resume(self, job_id: str) -> JobStatus: ...

    async def get_progress(self, job_id: str) -> ProgressView:
        return progress_view(await self.state.jobs.get_progress(job_id))

    async def get_results(self, job_id: str, offset: int = 0, limit: int = 100) -> list[RowState]:
        """`offset` is the last row number already seen (keyset), as in the old pipeline's paging."""
        await self._job(job_id)
        rows = await self.state.rows.get_results(job_id, after_row=offset, limit=limit)
        # Each row carries its findings (aspects and evidence) when the state has them (StateManager does).
        return await with_findings(self.state, job_id, rows)


def progress_view(p: Progress) -> ProgressView:
    rate: float | None = None
    eta: float | None = None
    # Rows settled at upload (invalid, duplicate) are not work done: leave them out of the rate.
    worked = p.done - p.counts["invalid"] - p.counts["duplicate"]
    if p.started_at is not None and worked > 0 and p.status not in TERMINAL_JOB_STATUSES:
        elapsed = (datetime.now(UTC) - p.started_at).total_seconds()
        if elapsed > 0:
            rate = worked / elapsed
            eta = round((p.total - p.done) / rate, 1)
    return ProgressView(
        job_id=p.job_id,
        status=p.status,
        total=p.total,
        counts=p.counts,
        done=p.done,
        percent=p.percent,
        eta_seconds=0.0 if p.status in TERMINAL_JOB_STATUSES else eta,
        rows_per_second=None if rate is None else round(rate, 2),
        costs=p.costs,
        error=p.error,
    )
