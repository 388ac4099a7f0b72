"""Retrying the failed rows of a finished job (POST /api/v1/jobs/{id}/retry-failed, `enrich retry-failed`).

Semantics (docs/operations.md, "Retrying the failed rows of a job"): only a finished job (completed, failed or
cancelled) can be retried, and only if it has failed rows. Those rows go back to `pending` and the job to
`running` in one transaction (internal/state/retry.py), then a new run of the same workflow `job-<job_id>` starts
and works through the pending rows, i.e. exactly the reopened ones; every other row is left as it is. If that
start fails (Temporal down), the rows are put back to `failed` with their reasons and the job to the status it
had, so nothing is left waiting for a workflow that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from internal.enricher.base import Enricher, EnrichmentUnavailable, InvalidJobState
from internal.state.manager import InvalidTransition, StateManager


@dataclass(frozen=True)
class Retried:
    job_id: str
    rows: int
    workflow_id: str
    status: str = "running"


async def retry_failed(state: StateManager, enricher: Enricher, job_id: str) -> Retried:
    if not enricher.can_rerun:
        await enricher.rerun(job_id)  # raises InvalidJobState(not_supported) before anything is changed
    try:
        reopened = await state.reopen_failed_rows(job_id)
    except InvalidTransition as err:
        raise InvalidJobState(
            f"job {job_id!r} is {err.current}; only a finished job's failed rows can be retried",
            code="job_not_finished",
        ) from None
    if reopened.rows == 0:
        raise InvalidJobState(f"job {job_id!r} has no failed rows to retry", code="no_failed_rows")
    try:
        workflow_id = await enricher.rerun(job_id)
    except EnrichmentUnavailable as err:
        await state.close_open_rows(job_id, "failed", "retry could not start")
        await state.set_job_status(job_id, reopened.previous_status)
        await state.append_event(job_id, "job.retry_failed_not_started", {"error": str(err)})
        raise
    return Retried(job_id=job_id, rows=reopened.rows, workflow_id=workflow_id)
