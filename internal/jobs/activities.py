"""Job and row bookkeeping activities: thin wrappers over the ledger's stores, safe to retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from temporalio import activity

from internal.domain.lifecycle import TERMINAL_ROW_STATUSES, InvalidTransition, JobStatus, RowStatus
from internal.enrichment import metrics
from internal.enrichment.contracts import SET_ROW_STATE, RowStateInput, RowStateResult
from internal.jobs import contracts
from internal.ledger.events import EventStore
from internal.ledger.jobs import JobStore
from internal.ledger.rows import RowStore


class StateActivities:
    """All these touch: job status, row status, the audit log."""

    def __init__(self, jobs: JobStore, rows: RowStore, events: EventStore) -> None:
        self._jobs, self._rows, self._events = jobs, rows, events

    @activity.defn(name=contracts.PAGE_ROWS)
    async def page_rows(self, inp: contracts.PageRowsInput) -> contracts.PageRowsResult:
        rows = await self._rows.page_row_keys(inp.job_id, after_row=inp.after_row, limit=inp.limit)
        return contracts.PageRowsResult(rows=rows)

    @activity.defn(name=contracts.SET_JOB_STATUS)
    async def set_job_status(self, inp: contracts.JobStatusInput) -> contracts.JobStatusResult:
        try:
            job = await self._jobs.set_job_status(
                inp.job_id, cast(JobStatus, inp.status), error=inp.error, workflow_id=inp.workflow_id
            )
        except InvalidTransition as err:
            # The job was closed from outside (e.g. cancelled while its workflow was being started):
            # the database is the record of truth, and failing the workflow over it helps nobody.
            activity.logger.warning("%s", err)
            return contracts.JobStatusResult(status=err.current, changed=False)
        # The store may end a job otherwise than asked (`completed` with no row that could run is `failed`): the
        # event and the answer say what it did.
        event = inp.event if job.status == inp.status else {**inp.event, "error": job.error}
        await self._events.append_event(inp.job_id, f"job.{job.status}", event)
        return contracts.JobStatusResult(status=job.status, changed=True)

    @activity.defn(name=contracts.CLOSE_OPEN_ROWS)
    async def close_open_rows(self, inp: contracts.CloseRowsInput) -> contracts.CloseRowsResult:
        moved = await self._rows.close_open_rows(inp.job_id, cast(RowStatus, inp.status), inp.reason)
        return contracts.CloseRowsResult(moved=moved)

    @activity.defn(name=SET_ROW_STATE)
    async def set_row_state(self, inp: RowStateInput) -> RowStateResult:
        previous = await self._rows.set_row_state(
            inp.job_id,
            inp.row_num,
            cast(RowStatus, inp.status),
            stage=inp.stage,
            attempt=inp.attempt,
            result=inp.result,
            reason=inp.reason,
            workflow_id=inp.workflow_id,
        )
        if inp.status in TERMINAL_ROW_STATUSES and previous != inp.status:
            metrics.row_finished(inp.status)
        if previous is not None and inp.status == "failed":
            await self._events.append_event(inp.job_id, "row.failed", {"reason": inp.reason}, row_num=inp.row_num)
        return RowStateResult(previous=previous)

    def all(self) -> list[Callable[..., Any]]:
        return [self.page_rows, self.set_job_status, self.close_open_rows, self.set_row_state]
