"""Running again the rows of a finished job that did not finish: its failed rows (POST
/api/v1/jobs/{id}/retry-failed, `enrich retry-failed`), or its failed and cancelled rows (POST
/api/v1/jobs/{id}/retry, `enrich retry`).

Semantics (docs/operations.md, "Running the rows of a job again"): only a finished job (completed, failed or
cancelled) can be retried, and only if it has rows of the statuses asked for. Those rows go back to `pending` and
the job to `running` in one transaction (internal/jobs/retry_store.py), then a new run of the same workflow
`job-<job_id>` starts and works through the pending rows, i.e. exactly the reopened ones; every other row is left as
it is. If that start fails (Temporal down), the rows are put back to `failed` ("retry could not start") and the job
to the status it had, so nothing is left waiting for a workflow that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from internal.domain.lifecycle import InvalidTransition, RowStatus
from internal.jobs.facade import Enricher, EnrichmentUnavailable, InvalidJobState
from internal.jobs.stores import JobStores


@dataclass(frozen=True)
class RetryScope:
    """Which rows a retry reopens, and the names it goes by in events and errors."""

    statuses: tuple[RowStatus, ...]
    event: str  # recorded when the rows are reopened
    none_code: str  # the 409 code when the job has no such rows
    rows_word: str  # "failed rows", in messages


FAILED_ROWS = RetryScope(("failed",), "job.retry_failed", "no_failed_rows", "failed")
UNFINISHED_ROWS = RetryScope(("failed", "cancelled"), "job.retry", "no_rows_to_retry", "failed or cancelled")


@dataclass(frozen=True)
class Retried:
    job_id: str
    rows: int
    workflow_id: str
    status: str = "running"


async def retry_rows(state: JobStores, enricher: Enricher, job_id: str, scope: RetryScope) -> Retried:
    try:
        reopened = await state.reopen_rows(job_id, scope.statuses, scope.event)
    except InvalidTransition as err:
        raise InvalidJobState(
            f"job {job_id!r} is {err.current}; only a finished job's {scope.rows_word} rows can be run again",
            code="job_not_finished",
        ) from None
    if reopened.rows == 0:
        raise InvalidJobState(f"job {job_id!r} has no {scope.rows_word} rows to run again", code=scope.none_code)
    try:
        workflow_id = await enricher.rerun(job_id)
    except EnrichmentUnavailable as err:
        await state.rows.close_open_rows(job_id, "failed", "retry could not start")
        await state.jobs.set_job_status(job_id, reopened.previous_status)
        await state.events.append_event(job_id, "job.retry_failed_not_started", {"error": str(err)})
        raise
    return Retried(job_id=job_id, rows=reopened.rows, workflow_id=workflow_id)
