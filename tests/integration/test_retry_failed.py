"""POST /api/v1/jobs/{id}/retry-failed on the real API, worker, Temporal server and PostgreSQL: a source that is
down for some products fails their rows; once it is back, a retry runs exactly those rows again."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from temporalio.client import Client, WorkflowExecutionStatus

from internal.domain.models import ReviewPage
from internal.sources.base import ProductNotFound
from internal.sources.demo import DemoSource
from internal.state.manager import StateManager
from tests.integration.api_harness import serve
from tests.integration.harness import csv_bytes


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
        before = {r.product_id: r for r in await state.get_results(job_id)}
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
        counts = (await state.get_progress(job_id)).counts
        assert sum(counts.values()) == done["total"] == 5
        assert counts["failed"] == 0 and counts["pending"] == 0 and counts["succeeded"] == 4
        after = {r.product_id: r for r in await state.get_results(job_id)}
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
        kinds = Counter(e.kind for e in await state.list_events(job_id, limit=1000))
        assert kinds["job.retry_failed"] == 1 and kinds["job.completed"] == 2
        # Same workflow id, two runs: the first and the retry.
        runs = [w async for w in temporal_client.list_workflows(f'WorkflowId = "job-{job_id}"')]
        assert len(runs) == 2 and all(r.status == WorkflowExecutionStatus.COMPLETED for r in runs)

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
        assert (await state.get_job(job_id)).status == "created"
