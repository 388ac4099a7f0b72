"""JobWorkflow (`job-{job_id}`): fans out one EnrichmentWorkflow per pending row, at most `window` at a time.

Limits this shape respects (docs/scaling.md, "Limits the workflows are shaped around"): the server fails a run
holding more than 2,000 pending children or 51,200 history events, so the row list is paged in from PostgreSQL
(never carried in the input), the window bounds pending children, and the run continues-as-new after
`max_children_per_run` children or when the server suggests it. Before continuing it drains its in-flight
children, so no completion can fall between two runs and no child needs the ABANDON policy (which would leave
orphans on cancel).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ChildWorkflowError, is_cancelled_exception

from internal.alerts import contracts as alerts
from internal.alerts.announce_step import announce
from internal.domain.ids import child_workflow_id as child_workflow_id
from internal.domain.ids import job_workflow_id as job_workflow_id
from internal.domain.options import EnrichmentOptions, JobRunOptions, rate_limited_queue
from internal.domain.row_ref import RowRef
from internal.enrichment.contracts import SET_ROW_STATE, RowStateInput, RowStateResult
from internal.enrichment.policies import DB_RETRY
from internal.jobs import contracts

with workflow.unsafe.imports_passed_through():
    from internal.enrichment.workflow import CURRENT_STEPS, EnrichmentInput, EnrichmentWorkflow

JOB_ID = SearchAttributeKey.for_keyword("JobId")
PRODUCT_ID = SearchAttributeKey.for_keyword("ProductId")

_DB_TIMEOUT = timedelta(seconds=30)
# A child's cancel goes to the run the child was on when it was sent; a child that continued-as-new just then
# never hears of it. Children still open this long after a cancel are cancelled again by id (current run).
RECANCEL_AFTER = timedelta(seconds=2)
# Jobs cancelled before the re-cancel existed replay without its timers.
RECANCEL_PATCH = "recancel-children-after-continue-as-new"


_RUN = JobRunOptions()


@dataclass(frozen=True)
class JobInput:
    job_id: str
    # JobRunOptions flat, under the names recorded histories use (defaults: internal/domain/options.py).
    window: int = _RUN.window
    page_size: int = _RUN.page_size
    max_children_per_run: int = _RUN.max_children_per_run
    row_timeout_seconds: int = _RUN.row_timeout_seconds
    # Per-row knobs handed to every EnrichmentWorkflow (source, scorer chain, feedback policy).
    enrichment: EnrichmentOptions = field(default_factory=EnrichmentOptions)
    # Carried across continue-as-new.
    after_row: int = 0
    started: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    paused: bool = False
    run_index: int = 0

    @classmethod
    def start(cls, job_id: str, options: JobRunOptions) -> JobInput:
        """The first run's input of a job with these options."""
        return cls(
            job_id=job_id,
            window=options.window,
            page_size=options.page_size,
            max_children_per_run=options.max_children_per_run,
            row_timeout_seconds=options.row_timeout_seconds,
            enrichment=options.enrichment,
        )

    @classmethod
    def from_stored(
        cls, job_id: str, options: Mapping[str, Any], *, task_queue: str, rate_limited: Collection[str] = ()
    ) -> JobInput:
        """The first run's input of a stored job: its options parsed once (JobService and schedules start here).

        When the starting process rate-limits the job's source (SOURCE_RATE_LIMITS), its pages are fetched one
        activity per request on the source's fetch queue. The choice is made here, once, and recorded in the
        input: the job's workflows keep it (and replay it) whatever the processes that run them later are given.
        """
        run = JobRunOptions.from_stored(options)
        queue = rate_limited_queue(task_queue, run.enrichment.source, rate_limited)
        if queue is not None:
            run = replace(run, enrichment=replace(run.enrichment, fetch_task_queue=queue))
        return cls.start(job_id, run)


@dataclass(frozen=True)
class JobResult:
    job_id: str
    status: str
    rows_started: int
    outcomes: dict[str, int]
    runs: int


@dataclass(frozen=True)
class JobProgress:
    job_id: str
    status: str
    paused: bool
    started: int
    in_flight: int
    outcomes: dict[str, int]
    after_row: int
    run_index: int


@workflow.defn
class JobWorkflow:
    @workflow.init
    def __init__(self, inp: JobInput) -> None:
        # State comes from the input here, not in run(): a pause or resume sent right after the start is handled
        # before run() begins, and run() used to overwrite it with the input's value (the pause was lost).
        self._inp = inp
        self._paused = self._recorded_pause = inp.paused
        self._status = "running"
        self._started, self._after_row = inp.started, inp.after_row
        self._outcomes: dict[str, int] = dict(inp.outcomes)
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    @workflow.run
    async def run(self, inp: JobInput) -> JobResult:
        try:
            # Inside the try: a cancel can land while the very first status write runs, and the rows must still
            # be closed (it used to close the workflow and leave the job 'running' with every row pending).
            if inp.run_index == 0:
                await self._job_status("running", event={"window": inp.window})
            exhausted = await self._launch(inp)
            await workflow.wait_condition(lambda: not self._in_flight)
        except (asyncio.CancelledError, Exception) as err:
            # A cancel that lands while an activity is awaited surfaces as ActivityError(CancelledError), not as
            # asyncio.CancelledError: both must run the cleanup, or children and rows stay open forever.
            if is_cancelled_exception(err):
                await self._cancel(inp)
            raise
        if not exhausted:
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                replace(
                    inp,
                    after_row=self._after_row,
                    started=self._started,
                    outcomes=self._outcomes,
                    paused=self._paused,
                    run_index=inp.run_index + 1,
                )
            )
        # The store decides how the job ends: `completed`, or `failed` when no row could run (every row invalid).
        # Reading its answer adds no command, so recorded histories replay unchanged.
        ended = await self._job_status("completed", event={"outcomes": self._outcomes, "runs": inp.run_index + 1})
        self._status = ended.status
        if workflow.patched(alerts.ANNOUNCE_PATCH):
            await announce(
                alerts.AnnounceInput(
                    event="job_finished",
                    job_id=inp.job_id,
                    status=ended.status,
                    run_key=workflow.info().first_execution_run_id,  # a reset keeps it: one alert, not two
                    outcomes=dict(self._outcomes),
                )
            )
        return JobResult(
            job_id=inp.job_id,
            status=ended.status,
            rows_started=self._started,
            outcomes=self._outcomes,
            runs=inp.run_index + 1,
        )

    async def _launch(self, inp: JobInput) -> bool:
        """Start children until the rows run out (True) or this run has done its share (False)."""
        started_here = 0
        buffer: list[RowRef] = []
        while True:
            await workflow.wait_condition(
                lambda: (not self._paused and len(self._in_flight) < inp.window) or self._paused != self._recorded_pause
            )
            if self._paused != self._recorded_pause:
                # Only the main loop writes job status, so a pause/resume burst cannot reorder writes.
                self._recorded_pause = self._paused
                await self._job_status("paused" if self._paused else "running")
                continue
            if started_here >= inp.max_children_per_run or workflow.info().is_continue_as_new_suggested():
                return False
            if not buffer:
                page = await workflow.execute_activity(
                    contracts.PAGE_ROWS,
                    contracts.PageRowsInput(job_id=inp.job_id, after_row=self._after_row, limit=inp.page_size),
                    result_type=contracts.PageRowsResult,
                    start_to_close_timeout=_DB_TIMEOUT,
                    retry_policy=DB_RETRY,
                    summary=f"page rows after {self._after_row}",
                )
                if not page.rows:
                    return True
                buffer = list(page.rows)
            row = buffer.pop(0)
            self._after_row = row.row_num
            self._started += 1
            started_here += 1
            self._in_flight[row.row_num] = asyncio.create_task(self._run_child(inp, row))

    async def _run_child(self, inp: JobInput, row: RowRef) -> None:
        child_id = child_workflow_id(inp.job_id, row.row_num)
        try:
            result = await workflow.execute_child_workflow(
                EnrichmentWorkflow.run,
                EnrichmentInput(
                    job_id=inp.job_id,
                    row_num=row.row_num,
                    product_id=row.product_id,
                    options=inp.enrichment,
                    steps_version=CURRENT_STEPS,
                ),
                id=child_id,
                execution_timeout=timedelta(seconds=inp.row_timeout_seconds),
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(JOB_ID, inp.job_id), SearchAttributePair(PRODUCT_ID, row.product_id)]
                ),
                static_summary=f"Enrich product {row.product_id} (row {row.row_num} of job {inp.job_id})",
            )
            self._count(result.status)
        except (asyncio.CancelledError, Exception) as err:
            if is_cancelled_exception(err):
                # The child closed its own row as cancelled on its way out (the job's cancel, or someone
                # cancelling just this child from the CLI): nothing to write, and nothing to fail the job over.
                self._count("cancelled")
                return
            # Failed, timed out or terminated: the child could not write its own terminal state, so we do.
            reason = _failure_reason(err)
            await self._row_failed(inp.job_id, row.row_num, reason, child_id)
            self._count("failed")
        finally:
            self._in_flight.pop(row.row_num, None)

    def _count(self, status: str) -> None:
        self._outcomes[status] = self._outcomes.get(status, 0) + 1

    async def _row_failed(self, job_id: str, row_num: int, reason: str, child_id: str) -> None:
        await workflow.execute_activity(
            SET_ROW_STATE,
            RowStateInput(job_id=job_id, row_num=row_num, status="failed", reason=reason, workflow_id=child_id),
            result_type=RowStateResult,
            start_to_close_timeout=_DB_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=f"row {row_num} failed: {reason[:80]}",
        )

    async def _cancel(self, inp: JobInput) -> None:
        """Cancel every in-flight child and wait for it, then close the rows that never ran."""
        self._status = "cancelling"
        await self._job_status("cancelling")
        tasks = list(self._in_flight.values())
        for task in tasks:
            task.cancel()
        if workflow.patched(RECANCEL_PATCH):
            await self._recancel_until_closed(inp)
        await asyncio.gather(*tasks, return_exceptions=True)
        await workflow.execute_activity(
            contracts.CLOSE_OPEN_ROWS,
            contracts.CloseRowsInput(
                job_id=inp.job_id, status="cancelled", reason="job cancelled before this row finished"
            ),
            result_type=contracts.CloseRowsResult,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=DB_RETRY,
            summary="mark unfinished rows cancelled",
        )
        self._status = "cancelled"
        await self._job_status("cancelled", event={"outcomes": self._outcomes})

    async def _recancel_until_closed(self, inp: JobInput) -> None:
        while self._in_flight:
            try:
                await workflow.wait_condition(lambda: not self._in_flight, timeout=RECANCEL_AFTER)
            except TimeoutError:
                handles = [
                    workflow.get_external_workflow_handle(child_workflow_id(inp.job_id, row_num))
                    for row_num in self._in_flight
                ]
                # A child that closed in the meantime answers "not found": nothing left to cancel there.
                await asyncio.gather(*(h.cancel() for h in handles), return_exceptions=True)

    async def _job_status(self, status: str, event: dict[str, Any] | None = None) -> contracts.JobStatusResult:
        answer: contracts.JobStatusResult = await workflow.execute_activity(
            contracts.SET_JOB_STATUS,
            contracts.JobStatusInput(
                job_id=self._inp.job_id,
                status=status,
                workflow_id=workflow.info().workflow_id,
                event=event or {},
            ),
            result_type=contracts.JobStatusResult,
            start_to_close_timeout=_DB_TIMEOUT,
            retry_policy=DB_RETRY,
            summary=f"job {status}",
        )
        return answer

    @workflow.signal
    def pause(self) -> None:
        self._paused = True

    @workflow.signal
    def resume(self) -> None:
        self._paused = False

    @workflow.query
    def progress(self) -> JobProgress:
        return JobProgress(
            job_id=self._inp.job_id,
            status="paused" if self._paused and self._status == "running" else self._status,
            paused=self._paused,
            started=self._started,
            in_flight=len(self._in_flight),
            outcomes=dict(self._outcomes),
            after_row=self._after_row,
            run_index=self._inp.run_index,
        )


def _failure_reason(err: BaseException) -> str:
    if isinstance(err, ChildWorkflowError):
        cause = err.cause
        detail = str(cause) if cause is not None else "no detail"
        kind = type(cause).__name__ if cause is not None else "error"
        if "Timeout" in kind:
            return f"row timed out ({detail})"
        if "Terminated" in kind:
            return f"row workflow was terminated ({detail})"
        return f"row workflow failed: {detail}"
    return f"could not run the row workflow: {err}"
