"""POST /api/v1/jobs/{id}/retry-failed on the real API, worker, Temporal server and PostgreSQL: a source that is
down for some products fails their rows; once it is back, a retry runs exactly those rows again."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    WorkflowExecutionStatus,
    WorkflowHandle,
)

from internal.adapters.sources.base import ProductNotFound
from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.domain.lifecycle import JobStatus
from internal.domain.models import ReviewPage
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.facade import EnrichmentUnavailable
from internal.jobs.retry import FAILED_ROWS, retry_rows
from internal.ledger.records import Job
from tests.integration.api_harness import Api, serve
from tests.integration.harness import all_completed, csv_bytes, wait_runs


class OutageSource:
    """The demo source, except that `gone-*` products are not found until `back` is set; then they have the
    reviews of a `pos-*` product."""

    name = "demo"

    def __init__(self) -> None:
        self.demo = DemoSource()
        self.back = False

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        if product_id.startswith("gone-"):
            if not self.back:
                raise ProductNotFound(product_id)
            product_id = "pos-" + product_id
        return await self.demo.fetch_page(product_id, cursor)


async def test_retry_failed_reruns_only_the_failed_rows(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    source = OutageSource()
    ids = ["pos-1", "gone-2", "neg-3", "gone-4", "none-5"]
    async with serve(temporal_client, state, tmp_path, sources={"demo": source}) as api, api.client() as http:
        created = await http.post("/api/v1/jobs", files={"file": ("p.csv", csv_bytes(ids), "text/csv")})
        assert created.status_code == 201, created.text
        job_id = created.json()["job_id"]
        first = await api.wait_done(http, job_id)
        assert first["status"] == "completed"
        before = {r.product_id: r for r in await state.rows.get_results(job_id)}
        assert [p for p, r in before.items() if r.status == "failed"] == ["gone-2", "gone-4"]
        assert before["gone-2"].reason is not None and "not found" in before["gone-2"].reason

        source.back = True
        retried = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")
        assert retried.status_code == 202, retried.text
        assert retried.json() == {"job_id": job_id, "status": "running", "rows": 2, "workflow_id": f"job-{job_id}"}
        # While the retry runs (or right after it finished with nothing failed), a second retry is refused.
        again = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] in ("job_not_finished", "no_failed_rows")

        done = await api.wait_done(http, job_id)
        assert done["status"] == "completed"
        counts = (await state.jobs.get_progress(job_id)).counts
        assert sum(counts.values()) == done["total"] == 5
        assert counts["failed"] == 0 and counts["pending"] == 0 and counts["succeeded"] == 4
        after = {r.product_id: r for r in await state.rows.get_results(job_id)}
        for pid in ("gone-2", "gone-4"):
            row = after[pid]
            assert row.status == "succeeded", row
            assert row.reason is not None and "not found" not in row.reason
        for pid in ("pos-1", "neg-3", "none-5"):  # untouched: same status, result and last update
            assert (after[pid].status, after[pid].result, after[pid].updated_at) == (
                before[pid].status,
                before[pid].result,
                before[pid].updated_at,
            )
        kinds = Counter(e.kind for e in await state.events.list_events(job_id, limit=1000))
        assert kinds["job.retry_failed"] == 1 and kinds["job.completed"] == 2
        # Same workflow id, two runs: the first and the retry. The job reads `completed` a workflow task before its
        # run closes, and visibility lags behind that: wait for both to be listed as completed.
        await wait_runs(temporal_client, f'WorkflowId = "job-{job_id}"', all_completed(2))

        nothing = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")
        assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_failed_rows"
        unknown = await http.post("/api/v1/jobs/nosuchjob/retry-failed")
        assert unknown.status_code == 404


async def test_a_job_that_has_not_finished_cannot_be_retried(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        waiting = await http.post("/api/v1/enrichment-signed-url", json={"filename": "p.csv"})
        job_id = waiting.json()["job_id"]
        refused = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "job_not_finished"
        assert (await state.jobs.get_job(job_id)).status == "created"


class HeldCompletion:
    """Keeps a job's workflow run open after it has written `completed` to PostgreSQL, as a busy worker does for a
    moment: the SET_JOB_STATUS activity writes the status, then returns only once `released` is set. The job then
    reads `completed` while its run has not closed: the window a retry sent at once lands in."""

    def __init__(self, state: StateManager, monkeypatch: pytest.MonkeyPatch) -> None:
        self.armed = True
        self.released = asyncio.Event()
        self.held = asyncio.Event()
        self._write = state.jobs.set_job_status
        # The worker's activities call the store's attribute at call time (StateActivities keeps the job store).
        monkeypatch.setattr(state.jobs, "set_job_status", self._set_job_status)

    async def _set_job_status(self, job_id: str, status: JobStatus, **kw: Any) -> Job:
        job = await self._write(job_id, status, **kw)
        # Only the workflow's own write (it names its workflow); the API's writes pass no workflow id.
        if status == "completed" and kw.get("workflow_id") and self.armed:
            self.armed = False
            self.held.set()
            async with asyncio.timeout(25):  # under the activity's 30 s start-to-close timeout
                await self.released.wait()
        return job

    def release_after_a_start(self, client: Client) -> Client:
        """The same client, except that once the run is held, the first workflow start sent through it lets the
        run close as soon as the server has answered that start: the retry meets the run open, every time."""
        held = self

        class Outbound(OutboundInterceptor):
            async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
                try:
                    return await super().start_workflow(input)
                finally:
                    if held.held.is_set():
                        held.released.set()

        class Release(Interceptor):
            def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
                return Outbound(next)

        config = client.config()
        config["interceptors"] = [Release()]
        return Client(**config)


async def _job_with_failed_rows(http: httpx.AsyncClient, api: Api, held: HeldCompletion) -> str:
    created = await http.post("/api/v1/jobs", files={"file": ("p.csv", csv_bytes(["pos-1", "gone-2"]), "text/csv")})
    assert created.status_code == 201, created.text
    job_id: str = created.json()["job_id"]
    assert (await api.wait_done(http, job_id))["status"] == "completed"
    async with asyncio.timeout(10):  # the activity holds right after the write the job was seen with
        await held.held.wait()
    return job_id


async def test_a_retry_sent_while_the_previous_run_closes_runs_the_rows(
    temporal_client: Client, state: StateManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = OutageSource()
    held = HeldCompletion(state, monkeypatch)
    api_temporal = held.release_after_a_start(temporal_client)
    async with (
        serve(temporal_client, state, tmp_path, sources={"demo": source}, api_temporal=api_temporal) as api,
        api.client() as http,
    ):
        job_id = await _job_with_failed_rows(http, api, held)
        described = await temporal_client.get_workflow_handle(f"job-{job_id}").describe()
        assert described.status == WorkflowExecutionStatus.RUNNING  # the job reads completed, yet its run is open

        source.back = True
        retried = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")
        assert retried.status_code == 202, retried.text
        # The retry ran in a new run (it did not attach to the closing one) and finished the reopened row.
        done = await api.wait_done(http, job_id, timeout=60)
        assert done["status"] == "completed"
        counts = (await state.jobs.get_progress(job_id)).counts
        assert counts["succeeded"] == 2 and counts["pending"] == counts["failed"] == 0, counts
        runs = await wait_runs(temporal_client, f'WorkflowId = "job-{job_id}"', all_completed(2))
        assert described.run_id in {r.run_id for r in runs}


async def test_a_previous_run_that_does_not_close_in_time_leaves_the_job_as_it_was(
    temporal_client: Client, state: StateManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldCompletion(state, monkeypatch)
    async with serve(temporal_client, state, tmp_path, sources={"demo": OutageSource()}) as api, api.client() as http:
        job_id = await _job_with_failed_rows(http, api, held)
        impatient = TemporalEnricher(
            state, temporal_client, api.services.settings.temporal_task_queue, previous_run_timeout=1
        )
        with pytest.raises(EnrichmentUnavailable) as refused:  # the API answers it with a 503 and this code
            await retry_rows(state, impatient, job_id, FAILED_ROWS)
        assert refused.value.code == "previous_run_open" and "has not closed after 1 s" in str(refused.value)
        # Nothing was started and nothing waits: the row is failed again and the job completed, as before.
        assert (await state.jobs.get_job(job_id)).status == "completed"
        assert [r.status for r in await state.rows.get_results(job_id)] == ["succeeded", "failed"]
        held.released.set()
        await wait_runs(temporal_client, f'WorkflowId = "job-{job_id}"', all_completed(1))
        retried = await http.post(f"/api/v1/jobs/{job_id}/retry-failed")  # once it has closed, a retry runs
        assert retried.status_code == 202, retried.text
        assert (await api.wait_done(http, job_id, timeout=60))["status"] == "completed"
