"""The activity of a schedule's run: make its job from the schedule's template rows (safe to retry)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from internal.domain.options import InvalidOptions, JobRunOptions
from internal.jobs.service import new_job_id
from internal.ledger.events import EventStore
from internal.ledger.jobs import JobStore
from internal.ledger.rows import RowStore
from internal.schedules import contracts
from internal.schedules.store import ScheduleNotFound, ScheduleStore

# Every job a schedule makes is a refresh (what that changes in the enrichment: docs/sources.md).
RUN_OPTIONS: dict[str, Any] = {"refresh": True}


class ScheduleActivities:
    def __init__(
        self,
        schedules: ScheduleStore,
        jobs: JobStore,
        rows: RowStore,
        events: EventStore,
        rate_limited: Collection[str] = (),
    ) -> None:
        self._schedules, self._jobs, self._rows, self._events = schedules, jobs, rows, events
        self._rate_limited = sorted(rate_limited)

    @activity.defn(name=contracts.CREATE_SCHEDULED_JOB)
    async def create_scheduled_job(self, inp: contracts.ScheduledJobInput) -> contracts.ScheduledJobResult:
        try:
            made = await self._schedules.create_run_job(
                inp.run_key, inp.run_id, inp.schedule_id, new_job_id(), RUN_OPTIONS
            )
        except ScheduleNotFound:
            return contracts.ScheduledJobResult(job_id=None)
        if made.job_id is None:
            return contracts.ScheduledJobResult(job_id=None)
        if not made.intake_complete:
            # Duplicates, totals and counters as for any upload; idempotent, so a retry after a crash finishes it.
            progress = await self._rows.complete_intake(made.job_id)
            await self._events.append_event(
                made.job_id,
                "job.scheduled",
                {
                    "schedule_id": inp.schedule_id,
                    "run": inp.run_key,
                    "run_id": inp.run_id,
                    "previous_job_id": made.previous_job_id,
                    "rows": progress.total,
                    "invalid": progress.counts["invalid"],
                    "duplicate": progress.counts["duplicate"],
                },
            )
        job = await self._jobs.get_job(made.job_id)
        try:
            JobRunOptions.from_stored(job.options)  # parsed again by the workflow: fail here, once, not there
        except InvalidOptions as err:
            raise ApplicationError(f"schedule {inp.schedule_id}: {err}", non_retryable=True) from err
        return contracts.ScheduledJobResult(
            job_id=job.job_id,
            previous_job_id=made.previous_job_id,
            total_rows=job.total_rows,
            options=job.options,
            filename=job.filename,
            rate_limited=self._rate_limited,
        )

    def all(self) -> list[Callable[..., Any]]:
        return [self.create_scheduled_job]
