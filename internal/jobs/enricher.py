"""TemporalEnricher: the facade over JobWorkflow on a Temporal cluster."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from typing import Any, Literal

from temporalio.client import Client, WorkflowContinuedAsNewError, WorkflowFailureError, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from internal.domain.lifecycle import (
    ACTION_LEADS_TO,
    TERMINAL_JOB_STATUSES,
    InvalidTransition,
    JobStatus,
    action_refusal,
)
from internal.jobs.facade import Enricher, EnrichmentUnavailable, InvalidJobState
from internal.jobs.stores import JobStores
from internal.jobs.workflow import JOB_ID, JobInput, JobWorkflow, job_workflow_id
from internal.ledger.records import Job

# How long a retry waits for the job's previous run to close. A run writes the job's final status in its last
# activity and closes a workflow task later: milliseconds, seconds on a loaded worker, for ever with no worker.
PREVIOUS_RUN_CLOSE_TIMEOUT = 20.0


class TemporalEnricher(Enricher):
    def __init__(
        self,
        state: JobStores,
        client: Client,
        task_queue: str,
        *,
        rate_limited: Collection[str] = (),
        previous_run_timeout: float = PREVIOUS_RUN_CLOSE_TIMEOUT,
    ) -> None:
        super().__init__(state)
        self._client = client
        self._task_queue = task_queue
        self._previous_run_timeout = previous_run_timeout
        # Sources whose page fetches go through their rate-limited fetch queue (SOURCE_RATE_LIMITS' names).
        self._rate_limited = frozenset(rate_limited)

    @property
    def client(self) -> Client:
        return self._client

    def _handle(self, job_id: str) -> WorkflowHandle[Any, Any]:
        return self._client.get_workflow_handle(job_workflow_id(job_id))

    async def enrich(self, job_id: str) -> str:
        """Start `job-{job_id}`; a second call for the same job returns the same workflow, starts nothing."""
        job = await self._startable(job_id)
        workflow_id = job_workflow_id(job_id)
        try:
            await self._start_run(
                job,
                WorkflowIDReusePolicy.REJECT_DUPLICATE,
                f"Enrich job {job_id}: {job.total_rows} rows from {job.filename or 'upload'}",
            )
        except RPCError as err:
            # The job stays `created` with its rows, so starting it again once Temporal is back works (the same
            # workflow id: a start that did reach the server is found, not repeated). The event says why it waits.
            await self.state.events.append_event(job_id, "job.start_failed", {"error": err.message})
            raise EnrichmentUnavailable(f"Temporal could not start job {job_id!r}: {err.message}") from err
        except WorkflowAlreadyStartedError:
            return workflow_id  # closed run of the same job: never start it twice
        if job.workflow_id is None:
            await self.state.events.append_event(job_id, "job.enrich", {"workflow_id": workflow_id})
        return workflow_id

    async def _start_run(
        self,
        job: Job,
        reuse: WorkflowIDReusePolicy,
        summary: str,
        conflict: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.USE_EXISTING,
    ) -> WorkflowHandle[Any, Any]:
        return await self._client.start_workflow(
            JobWorkflow.run,
            JobInput.from_stored(job.job_id, job.options, task_queue=self._task_queue, rate_limited=self._rate_limited),
            id=job_workflow_id(job.job_id),
            task_queue=self._task_queue,
            id_reuse_policy=reuse,
            id_conflict_policy=conflict,
            search_attributes=TypedSearchAttributes([SearchAttributePair(JOB_ID, job.job_id)]),
            static_summary=summary,
        )

    async def rerun(self, job_id: str) -> str:
        """A new run of `job-{job_id}` (same workflow id, new run id) that pages the job's pending rows as a first
        run does. It is started only once the earlier run has closed: a retry sent the moment the job reads
        `completed` finds that run still closing (it wrote the status in its last activity), and attaching to it
        (USE_EXISTING) would start nothing and leave the reopened rows pending for ever. So a run still open is
        waited for, up to `previous_run_timeout`, then EnrichmentUnavailable (code `previous_run_open`)."""
        job = await self._job(job_id)
        workflow_id = job_workflow_id(job_id)
        summary = f"Retry the failed rows of job {job_id} ({job.filename or 'upload'})"
        deadline = asyncio.get_running_loop().time() + self._previous_run_timeout
        try:
            while True:
                try:
                    # FAIL, not USE_EXISTING: an open run must be reported, not silently used. A start the client
                    # retries carries the same request id, which the server answers with the run it started.
                    handle = await self._start_run(
                        job, WorkflowIDReusePolicy.ALLOW_DUPLICATE, summary, WorkflowIDConflictPolicy.FAIL
                    )
                    break
                except WorkflowAlreadyStartedError as open_run:
                    left = deadline - asyncio.get_running_loop().time()
                    if not await self._closed_within(workflow_id, open_run.run_id, left):
                        raise EnrichmentUnavailable(
                            f"job {job_id!r}: its previous run {open_run.run_id} has not closed after "
                            f"{self._previous_run_timeout:g} s (is a worker running on {self._task_queue!r}?); "
                            "nothing was started, retry later",
                            code="previous_run_open",
                        ) from None
        except RPCError as err:
            raise EnrichmentUnavailable(f"Temporal could not start job {job_id!r} again: {err.message}") from err
        await self.state.events.append_event(
            job_id, "job.rerun", {"workflow_id": workflow_id, "run_id": handle.result_run_id}
        )
        return workflow_id

    async def _closed_within(self, workflow_id: str, run_id: str | None, seconds: float) -> bool:
        """Whether that run closes within `seconds`, however it ends (one long poll on its close event)."""
        if seconds <= 0:
            return False
        handle = self._client.get_workflow_handle(workflow_id, run_id=run_id)
        try:
            async with asyncio.timeout(seconds):
                await handle.result(follow_runs=False)
        except TimeoutError:
            return False
        except (WorkflowFailureError, WorkflowContinuedAsNewError):
            pass  # closed: failed, cancelled, terminated, timed out or continued as new
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:  # gone past retention: closed long ago
                raise
        return True

    async def cancel(self, job_id: str) -> JobStatus:
        job = await self._job(job_id)
        # A cancel repeated while the first is being carried out is sent again (harmless), not refused.
        refusal = None if job.status == "cancelling" else action_refusal(job_id, job.status, "cancel")
        if refusal:
            raise InvalidJobState(refusal)
        if job.status == "created":
            await cancel_unstarted(self.state, job)
            return "cancelled"
        try:
            await self._handle(job_id).cancel()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise EnrichmentUnavailable(f"could not cancel job {job_id!r}: {err.message}") from err
            await cancel_unstarted(self.state, job)
            return "cancelled"
        # A started job is `cancelling` until its workflow has closed its rows, whatever status (paused, running)
        # it still shows this instant, unless it already ended.
        current = (await self._job(job_id)).status
        return current if current in TERMINAL_JOB_STATUSES else ACTION_LEADS_TO["cancel"]

    async def pause(self, job_id: str) -> JobStatus:
        return await self._signal_action(job_id, "pause")

    async def resume(self, job_id: str) -> JobStatus:
        return await self._signal_action(job_id, "resume")

    async def _signal_action(self, job_id: str, action: Literal["pause", "resume"]) -> JobStatus:
        job = await self._job(job_id)
        if refusal := action_refusal(job_id, job.status, action):
            raise InvalidJobState(refusal)
        await self._signal(job_id, action)
        await self._record(job_id, ACTION_LEADS_TO[action])
        return ACTION_LEADS_TO[action]

    async def _signal(self, job_id: str, name: str) -> None:
        try:
            await self._handle(job_id).signal(name)
        except RPCError as err:
            raise EnrichmentUnavailable(f"could not {name} job {job_id!r}: {err.message}") from err

    async def _record(self, job_id: str, status: JobStatus) -> None:
        # The workflow records the same status when it handles the signal; writing it here as well makes the
        # change visible at once (a pause followed straight away by a resume must not get a 409).
        with contextlib.suppress(InvalidTransition):
            await self.state.jobs.set_job_status(job_id, status)


async def cancel_unstarted(state: JobStores, job: Job) -> None:
    """Close a job no workflow runs: its rows, then its status, then the event (each write idempotent, so a
    cancel repeated after a crash in between finishes the job)."""
    await state.rows.close_open_rows(job.job_id, "cancelled", "job cancelled before it started")
    await state.jobs.set_job_status(job.job_id, "cancelled")
    await state.events.append_event(job.job_id, "job.cancelled", {"before_start": True})
