"""TemporalEnricher: the facade over JobWorkflow on a Temporal cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from internal.enricher.base import Enricher, EnrichmentUnavailable, InvalidJobState
from internal.state.manager import InvalidTransition, StateManager
from internal.state.models import Job, JobStatus
from internal.workflows.job import JOB_ID, JobInput, JobWorkflow, job_workflow_id


def job_input(job_id: str, options: dict[str, Any], task_queue: str, rate_limited: Collection[str] = ()) -> JobInput:
    """A stored job's options, parsed once, as the job workflow's first input (with the fetch queue of its source
    when this process rate-limits it: JobInput.from_stored)."""
    return JobInput.from_stored(job_id, options, task_queue=task_queue, rate_limited=rate_limited)


class TemporalEnricher(Enricher):
    def __init__(
        self, state: StateManager, client: Client, task_queue: str, *, rate_limited: Collection[str] = ()
    ) -> None:
        super().__init__(state)
        self._client = client
        self._task_queue = task_queue
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
            await self.state.append_event(job_id, "job.start_failed", {"error": err.message})
            raise EnrichmentUnavailable(f"Temporal could not start job {job_id!r}: {err.message}") from err
        except WorkflowAlreadyStartedError:
            return workflow_id  # closed run of the same job: never start it twice
        if job.workflow_id is None:
            await self.state.append_event(job_id, "job.enrich", {"workflow_id": workflow_id})
        return workflow_id

    async def _start_run(self, job: Job, reuse: WorkflowIDReusePolicy, summary: str) -> WorkflowHandle[Any, Any]:
        return await self._client.start_workflow(
            JobWorkflow.run,
            job_input(job.job_id, job.options, self._task_queue, self._rate_limited),
            id=job_workflow_id(job.job_id),
            task_queue=self._task_queue,
            id_reuse_policy=reuse,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=TypedSearchAttributes([SearchAttributePair(JOB_ID, job.job_id)]),
            static_summary=summary,
        )

    can_rerun = True

    async def rerun(self, job_id: str) -> str:
        """A new run of `job-{job_id}` (same workflow id, new run id) once the earlier run has closed; it pages
        the job's pending rows as a first run does. A run still open is used as it is (a repeated request)."""
        job = await self._job(job_id)
        workflow_id = job_workflow_id(job_id)
        try:
            handle = await self._start_run(
                job,
                WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                f"Retry the failed rows of job {job_id} ({job.filename or 'upload'})",
            )
        except RPCError as err:
            raise EnrichmentUnavailable(f"Temporal could not start job {job_id!r} again: {err.message}") from err
        await self.state.append_event(job_id, "job.rerun", {"workflow_id": workflow_id, "run_id": handle.result_run_id})
        return workflow_id

    async def cancel(self, job_id: str) -> None:
        job = await self._job(job_id)
        if job.status in ("completed", "failed", "cancelled"):
            raise InvalidJobState(f"job {job_id!r} is already {job.status}")
        if job.status == "created":
            await self._cancel_unstarted(job)
            return
        try:
            await self._handle(job_id).cancel()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise EnrichmentUnavailable(f"could not cancel job {job_id!r}: {err.message}") from err
            await self._cancel_unstarted(job)

    async def pause(self, job_id: str) -> None:
        job = await self._job(job_id)
        if job.status != "running":
            raise InvalidJobState(f"job {job_id!r} is {job.status}; only a running job can be paused")
        await self._signal(job_id, "pause")
        await self._record(job_id, "paused")

    async def resume(self, job_id: str) -> None:
        job = await self._job(job_id)
        if job.status != "paused":
            raise InvalidJobState(f"job {job_id!r} is {job.status}; only a paused job can be resumed")
        await self._signal(job_id, "resume")
        await self._record(job_id, "running")

    async def _signal(self, job_id: str, name: str) -> None:
        try:
            await self._handle(job_id).signal(name)
        except RPCError as err:
            raise EnrichmentUnavailable(f"could not {name} job {job_id!r}: {err.message}") from err

    async def _record(self, job_id: str, status: JobStatus) -> None:
        # The workflow records the same status when it handles the signal; writing it here as well makes the
        # change visible at once (a pause followed straight away by a resume must not get a 409).
        with contextlib.suppress(InvalidTransition):
            await self.state.set_job_status(job_id, status)
