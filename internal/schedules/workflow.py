"""ScheduledRunWorkflow: what a Temporal Schedule (`schedule-<schedule_id>`) starts each time it fires.

One activity makes the run's job from the schedule's stored products (keyed by this workflow's id and first run id:
the id alone repeats when two actions share a second, migration 0010; so a retried activity, a replayed or a reset
workflow never makes a second job), then the
job runs as the usual JobWorkflow `job-<job_id>`, a child this workflow waits for. Waiting is what makes the
schedule's SKIP overlap policy mean "two runs of one schedule never overlap".

The child is ABANDONed if this workflow is closed from outside (terminated): the job is a job like any other,
cancelled through its own API, and must not be left `running` in PostgreSQL by a killed parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ChildWorkflowError, is_cancelled_exception
from temporalio.workflow import ParentClosePolicy

from internal.alerts import contracts as alerts
from internal.alerts.announce_step import announce
from internal.enrichment.policies import DB_RETRY
from internal.schedules import contracts

with workflow.unsafe.imports_passed_through():
    from internal.jobs.workflow import JOB_ID, JobInput, JobWorkflow, job_workflow_id

# Copying a large template is one INSERT … SELECT, then the intake's duplicate pass: minutes at a million rows.
_CREATE_TIMEOUT = timedelta(minutes=10)


def schedule_temporal_id(schedule_id: str) -> str:
    """The Temporal Schedule of a schedule (what `temporal schedule describe -s` takes)."""
    return f"schedule-{schedule_id}"


def run_workflow_id(schedule_id: str) -> str:
    """The id the schedule gives each run's workflow; Temporal appends the action's time to it."""
    return f"schedule-{schedule_id}-run"


@dataclass(frozen=True)
class ScheduledRunInput:
    schedule_id: str


@dataclass(frozen=True)
class ScheduledRunResult:
    schedule_id: str
    job_id: str | None
    # completed | failed | cancelled (the job's end), or skipped (the schedule was deleted before it made a job)
    status: str
    previous_job_id: str | None = None
    reason: str | None = None
    outcomes: dict[str, int] = field(default_factory=dict)


@workflow.defn
class ScheduledRunWorkflow:
    @workflow.run
    async def run(self, inp: ScheduledRunInput) -> ScheduledRunResult:
        made = await workflow.execute_activity(
            contracts.CREATE_SCHEDULED_JOB,
            contracts.ScheduledJobInput(
                schedule_id=inp.schedule_id,
                run_key=workflow.info().workflow_id,
                # The first run id (what Temporal's schedule reports too): a reset keeps it, so a reset run finds
                # the job it made instead of making a second.
                run_id=workflow.info().first_execution_run_id,
            ),
            result_type=contracts.ScheduledJobResult,
            start_to_close_timeout=_CREATE_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=f"make the job of schedule {inp.schedule_id}",
        )
        if made.job_id is None:
            return ScheduledRunResult(inp.schedule_id, None, "skipped", reason="the schedule was deleted")
        job_id = made.job_id
        try:
            result = await workflow.execute_child_workflow(
                JobWorkflow.run,
                JobInput.from_stored(
                    job_id, made.options, task_queue=workflow.info().task_queue, rate_limited=made.rate_limited
                ),
                id=job_workflow_id(job_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
                search_attributes=TypedSearchAttributes([SearchAttributePair(JOB_ID, job_id)]),
                static_summary=f"Refresh job {job_id} of schedule {inp.schedule_id}: {made.total_rows} rows "
                f"from {made.filename or 'a product list'}",
            )
        except ChildWorkflowError as err:
            status = "cancelled" if is_cancelled_exception(err) else "failed"
            reason = str(err.cause) if err.cause is not None else str(err)
            await self._announce(inp.schedule_id, job_id, status, {})
            return ScheduledRunResult(inp.schedule_id, job_id, status, made.previous_job_id, reason)
        await self._announce(inp.schedule_id, job_id, result.status, result.outcomes)
        return ScheduledRunResult(
            inp.schedule_id, job_id, result.status, made.previous_job_id, outcomes=result.outcomes
        )

    async def _announce(self, schedule_id: str, job_id: str, status: str, outcomes: dict[str, int]) -> None:
        """schedule_run_finished for the subscriptions it reaches (runs recorded before alerts skip it)."""
        if workflow.patched(alerts.ANNOUNCE_PATCH):
            await announce(
                alerts.AnnounceInput(
                    event="schedule_run_finished",
                    job_id=job_id,
                    status=status,
                    # Not the workflow id, which repeats when two actions share a second (migration 0010); the first
                    # run id survives a reset, so a reset run's alert keeps its idempotency key.
                    run_key=workflow.info().first_execution_run_id,
                    schedule_id=schedule_id,
                    outcomes=outcomes,
                )
            )
