"""Input the service does not use never stops a row, and a job in which no row could run says so: through the real
API, worker, Temporal server and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from internal.app.state import StateManager
from internal.intake import DEFAULT_LIMITS
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.workflow import JobWorkflow, job_workflow_id
from tests.integration.api_harness import serve
from tests.integration.harness import new_job, running_worker, wait_until_done

LIMIT = DEFAULT_LIMITS.max_field_chars
TRUNCATED = f"column 'description' truncated to {LIMIT:,} characters (it had 25,200;"


async def _upload(http: Any, data: bytes) -> Any:
    return await http.post("/api/v1/jobs", files={"file": ("p.csv", data, "text/csv")})


async def test_a_long_echoed_column_is_truncated_and_every_row_runs(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    # The report: a 25,200-character description made 200 of 200 rows invalid, and the job showed `completed`.
    description = ("A long marketing text. " * 1100)[:25_200]
    data = "product_id,name,description\n" + "".join(f'pos-{i},Item {i},"{description}"\n' for i in range(200))
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        created = await _upload(http, data.encode())
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["total_rows"], body["invalid_rows"], body["error"]) == (200, 0, None)
        assert len(body["warnings"]) == 20  # a sample, as invalid_samples is
        first = body["warnings"][0]
        assert (first["row"], first["column"], first["column_name"]) == (2, 3, "description")
        assert TRUNCATED in first["reason"]

        progress = await api.wait_done(http, body["job_id"], timeout=300)
        assert (progress["status"], progress["succeeded"], progress["invalid"]) == ("completed", 200, 0), progress

        page = (await http.get(f"/api/v1/jobs/{body['job_id']}/results", params={"limit": 200})).json()["results"]
        assert len(page) == 200 and all(r["status"] == "succeeded" for r in page)
        row = page[0]
        assert row["reason"].startswith("40 reviews") and row["reason"].endswith("only echoes this column back)")
        assert TRUNCATED in row["reason"]
        echoed = row["input"]["description"]
        assert len(echoed) == LIMIT and echoed.endswith("…") and description.startswith(echoed[:-1])

        exported = await http.get(f"/api/v1/jobs/{body['job_id']}/results", params={"format": "csv"})
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert len(rows) == 200 and len(rows[0]["description"]) == LIMIT and TRUNCATED in rows[0]["reason"]


async def test_an_upload_where_no_row_can_run_fails_at_once(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    # A column the service uses (name) over the limit still refuses the row, naming row and column.
    long_name = "n" * (LIMIT + 1)
    data = f"product_id,name\nA1,{long_name}\n,empty id\nC3,x,extra\n".encode()
    reason = (
        "no row could run: 3 of 3 rows invalid (first: row 2, column 'name': value in column 'name' is "
        f"{LIMIT + 1:,} characters long; the limit is {LIMIT:,})"
    )
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        created = await _upload(http, data)
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["status"], body["workflow_id"], body["error"], body["invalid_rows"]) == ("failed", None, reason, 3)
        job = (await http.get(f"/api/v1/jobs/{body['job_id']}")).json()
        assert (job["status"], job["error"]) == ("failed", reason)
        assert (job["progress"]["status"], job["progress"]["error"], job["progress"]["percent"]) == (
            "failed",
            reason,
            100.0,
        )
        events = [e for e in (await state.events.list_events(body["job_id"])) if e.kind == "job.failed"]
        assert [e.details["error"] for e in events] == [reason]
    with pytest.raises(RPCError) as missing:  # nothing was started for it
        await temporal_client.get_workflow_handle(job_workflow_id(body["job_id"])).describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND


async def test_a_job_run_in_which_no_row_could_run_ends_failed(temporal_client: Client, state: StateManager) -> None:
    # A job started without the upload's check (a stored job started later, a schedule's run): its workflow asks
    # for `completed`, and the store ends it `failed` with the reason.
    job_id = await new_job(state, ["", " "])
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        await wait_until_done(state, job_id, timeout=60, client=temporal_client)
        result = await temporal_client.get_workflow_handle_for(JobWorkflow.run, job_workflow_id(job_id)).result()
    job = await state.jobs.get_job(job_id)
    reason = "no row could run: 2 of 2 rows invalid (first: row 2, column 'product_id': product id is empty)"
    assert (job.status, job.error, result.status) == ("failed", reason, "failed")
    events = [e for e in await state.events.list_events(job_id) if e.kind in ("job.failed", "job.completed")]
    assert [(e.kind, e.details.get("error")) for e in events] == [("job.failed", reason)]
