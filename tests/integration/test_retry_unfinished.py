"""POST /api/v1/jobs/{id}/retry and `enrich retry` on the real API, worker, Temporal server and PostgreSQL: a job
cancelled part way, with a row that failed, runs again exactly the rows that did not finish."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

from temporalio.client import Client

from internal.adapters.sources.base import ProductNotFound
from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.domain.models import ReviewPage
from tests.integration.api_harness import serve
from tests.integration.harness import csv_bytes


class OutageSource:
    """The demo source, except that `gone-*` products are not found until `back` is set."""

    name = "demo"

    def __init__(self) -> None:
        self.demo = DemoSource()
        self.back = False

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        if product_id.startswith("gone-") and not self.back:
            raise ProductNotFound(product_id)
        return await self.demo.fetch_page(product_id.removeprefix("gone-"), cursor)


async def _cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "internal.cli.main", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_retry_runs_the_failed_and_cancelled_rows_of_a_cancelled_job(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    source = OutageSource()
    ids = ["gone-pos-1", *(f"slow-{i}" for i in range(2, 14))]  # one product at a time: slow enough to cancel
    async with serve(temporal_client, state, tmp_path, sources={"demo": source}) as api, api.client() as http:
        created = await http.post(
            "/api/v1/jobs", files={"file": ("p.csv", csv_bytes(ids), "text/csv")}, data={"options": '{"window": 1}'}
        )
        assert created.status_code == 201, created.text
        job_id = created.json()["job_id"]
        async with asyncio.timeout(60):
            while (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()["failed"] < 1:
                await asyncio.sleep(0.1)
        running = await http.post(f"/api/v1/jobs/{job_id}/retry")
        assert running.status_code == 409 and running.json()["error"]["code"] == "job_not_finished", running.text
        assert (await http.post(f"/api/v1/jobs/{job_id}/cancel")).status_code == 202
        first = await api.wait_done(http, job_id)
        assert first["status"] == "cancelled" and first["failed"] == 1
        assert isinstance(first["cancelled"], int) and first["cancelled"] > 0
        unfinished = 1 + first["cancelled"]

        # The source is still down for gone-*: its row fails again, every cancelled row runs.
        retried = await http.post(f"/api/v1/jobs/{job_id}/retry")
        assert retried.status_code == 202, retried.text
        workflow_id = f"job-{job_id}"
        assert retried.json() == {"job_id": job_id, "status": "running", "rows": unfinished, "workflow_id": workflow_id}
        second = await api.wait_done(http, job_id)
        assert second["status"] == "completed"
        assert (second["failed"], second["cancelled"], second["succeeded"]) == (1, 0, len(ids) - 1)

        # From the command line, once the source is back: the one failed row.
        source.back = True
        cli = ("--api-url", api.url)
        code, out, err = await _cli(*cli, "retry", job_id)
        assert code == 0, out + err
        assert f"job {job_id}: running, 1 failed or cancelled rows sent back to pending" in out
        third = await api.wait_done(http, job_id)
        assert third["status"] == "completed" and third["succeeded"] == len(ids) == third["total"]

        nothing = await http.post(f"/api/v1/jobs/{job_id}/retry")
        assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "no_rows_to_retry"
        code, _, err = await _cli(*cli, "retry", job_id)
        assert code == 2 and "no_rows_to_retry" in err
        kinds = Counter(e.kind for e in await state.events.list_events(job_id, limit=1000))
        assert kinds["job.retry"] == 2 and kinds["job.cancelled"] + kinds["job.completed"] == 3, kinds
