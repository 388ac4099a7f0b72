"""Scheduled refresh end to end: a Temporal Schedule on the real dev server starts a job every 5 s from the
products stored with the schedule, against the fake JSON reviews API (a real HTTP server; a test can change what it
serves between runs through `ScheduleApi.fake`), through the real HTTP API and worker."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client
from temporalio.worker import Replayer

from internal.app.state import StateManager
from internal.platform.stack.proc import free_port
from internal.platform.stack.temporal_server import TemporalDevServer
from internal.schedules.workflow import ScheduledRunInput, ScheduledRunWorkflow
from tests.fakes.reviews_api import FakeReviewsApi, simple_source_settings
from tests.fakes.server import serve_app
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.api_harness import Api, api_on, serve

S = "/api/v1/schedules"
EVERY = 5  # seconds: the interval, short enough for a test


@dataclass
class ScheduleApi:
    api: Api
    http: httpx.AsyncClient
    fake: FakeReviewsApi

    async def create(self, products: list[Any], **fields: Any) -> dict[str, Any]:
        response = await self.http.post(S, json={"products": products, **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def show(self, schedule_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{S}/{schedule_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def runs(self, schedule_id: str) -> list[dict[str, Any]]:
        """The schedule's runs, oldest first."""
        return list(reversed((await self.show(schedule_id))["recent_runs"]))

    async def wait_runs(self, schedule_id: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """Until the schedule has made `count` jobs and all of them have finished."""
        async with asyncio.timeout(timeout):
            while True:
                runs = await self.runs(schedule_id)
                if len(runs) >= count and all(r["status"] in ("completed", "failed", "cancelled") for r in runs):
                    return runs
                await asyncio.sleep(0.3)


@pytest.fixture
async def sched(temporal_client: Client, state: StateManager, tmp_path: Path) -> AsyncIterator[ScheduleApi]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        async with api_on(temporal_client, state, tmp_path, simple_source_settings(url)) as (api, http):
            yield ScheduleApi(api, http, fake)


async def test_a_schedule_runs_every_interval_until_deleted(sched: ScheduleApi) -> None:
    sched.fake.catalog.update({"sku-a": 6, "sku-b": 3})
    created = await sched.create(["sku-a", {"product_id": "sku-b", "name": "Kettle"}], every=f"{EVERY}s", name="daily")
    schedule_id = created["schedule_id"]
    assert (created["every"], created["cron"], created["state"], created["total_rows"]) == ("5s", None, "active", 2)
    assert created["temporal_schedule_id"] == f"schedule-{schedule_id}" and created["next_runs"]

    # Once the first run has read every page (sku-a: 2, sku-b: 1), three new reviews appear on top of sku-a's
    # list, as a review API shows its newest first. The second run starts only after the first has finished.
    async with asyncio.timeout(60):
        while sched.fake.requests["sku-a"] < 2 or sched.fake.requests["sku-b"] < 1:
            await asyncio.sleep(0.05)
    sched.fake.added["sku-a"] = 3
    first = (await sched.wait_runs(schedule_id, 1))[0]
    assert dict(sched.fake.requests) == {"sku-a": 2, "sku-b": 1}
    runs = await sched.wait_runs(schedule_id, 2)
    assert runs[0]["job_id"] == first["job_id"] and runs[1]["job_id"] != first["job_id"]
    assert [r["previous_job_id"] for r in runs[:2]] == [None, first["job_id"]]
    for run in runs:
        assert run["status"] == "completed" and run["total_rows"] == 2
        assert run["run_workflow_id"].startswith(f"schedule-{schedule_id}-run-")
        job = (await sched.http.get(f"/api/v1/jobs/{run['job_id']}")).json()
        assert job["status"] == "completed" and job["options"]["refresh"] is True, job
        assert job["options"]["source"] == "http" and job["workflow_id"] == f"job-{run['job_id']}"
        events = (await sched.http.get(f"/api/v1/jobs/{run['job_id']}/events")).json()["events"]
        scheduled = [e for e in events if e["kind"] == "job.scheduled"]
        assert len(scheduled) == 1 and scheduled[0]["details"]["schedule_id"] == schedule_id, events
    # The run's history replays in the sandbox (the worker runs workflows unsandboxed: internal/app/worker.py).
    client = sched.api.services.temporal
    assert client is not None
    history = await client.get_workflow_handle(runs[1]["run_workflow_id"]).fetch_history()
    await Replayer(workflows=[ScheduledRunWorkflow]).replay_workflow(history)
    results = (await sched.http.get(f"/api/v1/jobs/{runs[1]['job_id']}/results")).json()["results"]
    second = {r["product_id"]: r for r in results}
    # The refresh read only the first page of each product: it holds reviews already stored.
    assert dict(sched.fake.requests) == {"sku-a": 3, "sku-b": 2}
    assert {p: (r["result"]["review_count"], r["result"]["new_reviews"]) for p, r in second.items()} == {
        "sku-a": (9, 3),
        "sku-b": (3, 0),
    }
    assert second["sku-a"]["result"]["score_change"] < 0  # the new reviews are bad ones
    assert second["sku-b"]["result"]["score_change"] == 0
    assert {p: r["source_requests"] for p, r in second.items()} == {"sku-a": 1, "sku-b": 1}
    assert "refreshed: 6 stored reviews from job " + first["job_id"] in second["sku-a"]["reason"]

    deleted = await sched.http.delete(f"{S}/{schedule_id}")
    assert deleted.status_code == 200 and deleted.json() == {"schedule_id": schedule_id, "state": "deleted"}
    shown = await sched.show(schedule_id)
    assert shown["state"] == "deleted" and shown["deleted_at"] and shown["next_runs"] == []
    settled = await sched.wait_runs(schedule_id, 0)  # a run that was starting as we deleted may still finish
    await asyncio.sleep(EVERY * 2 + 1)
    after = await sched.runs(schedule_id)
    assert len(after) == len(settled), "a deleted schedule started another job"
    assert all(r["status"] == "completed" for r in after)  # the jobs it made stay
    listed = (await sched.http.get(S)).json()["schedules"]
    assert schedule_id not in [s["schedule_id"] for s in listed]
    assert (await sched.http.post(f"{S}/{schedule_id}/pause")).status_code == 409


async def test_pause_stops_runs_resume_restarts_them_and_trigger_runs_at_once(sched: ScheduleApi) -> None:
    created = await sched.create(["sku-p"], every="1h")  # never due during the test: every run here is asked for
    schedule_id = created["schedule_id"]
    assert await sched.runs(schedule_id) == []

    triggered = await sched.http.post(f"{S}/{schedule_id}/trigger")
    assert triggered.status_code == 202 and triggered.json()["state"] == "active"
    runs = await sched.wait_runs(schedule_id, 1, timeout=30)
    assert len(runs) == 1 and runs[0]["status"] == "completed"
    # The answer named the run it started and the job that run made.
    assert (triggered.json()["run_workflow_id"], triggered.json()["run_id"], triggered.json()["job_id"]) == (
        runs[0]["run_workflow_id"],
        runs[0]["run_id"],
        runs[0]["job_id"],
    )

    paused = await sched.http.post(f"{S}/{schedule_id}/pause")
    assert paused.status_code == 202 and paused.json()["state"] == "paused"
    assert (await sched.show(schedule_id))["state"] == "paused"  # Temporal's word, not only ours
    listed = {s["schedule_id"]: s for s in (await sched.http.get(S)).json()["schedules"]}
    assert listed[schedule_id]["state"] == "paused"

    resumed = await sched.http.post(f"{S}/{schedule_id}/resume")
    assert resumed.status_code == 202 and resumed.json()["state"] == "active"
    assert (await sched.show(schedule_id))["state"] == "active"
    assert (await sched.http.delete(f"{S}/{schedule_id}")).status_code == 200


async def test_two_runs_under_one_workflow_id_make_two_jobs(sched: ScheduleApi) -> None:
    """Temporal names a run `schedule-<id>-run-<action time to the second>`: a trigger in the same second as the
    run before (one that took under a second) starts a second workflow under the same id. It must make its own
    job, not find the first run's and try to start that finished job again (which never ended: CI, stop 24)."""
    created = await sched.create(["sku-r"], every="1h")
    schedule_id = created["schedule_id"]
    client = sched.api.services.temporal
    queue = sched.api.services.settings.temporal_task_queue
    same_id = f"schedule-{schedule_id}-run-2026-12-06T04:00:00Z"
    ends = []
    for _ in range(2):
        handle = await client.start_workflow(
            ScheduledRunWorkflow.run, ScheduledRunInput(schedule_id), id=same_id, task_queue=queue
        )
        ends.append(await asyncio.wait_for(handle.result(), 60))
    assert [e.status for e in ends] == ["completed", "completed"], ends
    assert ends[0].job_id != ends[1].job_id and ends[1].previous_job_id == ends[0].job_id
    runs = await sched.runs(schedule_id)
    assert [(r["run_workflow_id"], r["job_id"]) for r in runs] == [(same_id, e.job_id) for e in ends]
    assert len({r["run_id"] for r in runs}) == 2 and None not in {r["run_id"] for r in runs}


async def test_a_paused_interval_schedule_makes_no_jobs_until_resumed(sched: ScheduleApi) -> None:
    created = await sched.create(["sku-q"], every=f"{EVERY}s")
    schedule_id = created["schedule_id"]
    assert (await sched.http.post(f"{S}/{schedule_id}/pause")).status_code == 202
    settled = await sched.wait_runs(schedule_id, 0)  # one may have fired between create and pause
    await asyncio.sleep(EVERY * 2 + 1)
    assert len(await sched.runs(schedule_id)) == len(settled), "a paused schedule started a job"
    assert (await sched.http.post(f"{S}/{schedule_id}/resume")).status_code == 202
    runs = await sched.wait_runs(schedule_id, len(settled) + 1, timeout=EVERY * 4)
    assert runs[-1]["status"] == "completed"
    assert (await sched.http.delete(f"{S}/{schedule_id}")).status_code == 200


async def test_schedule_requests_refused_with_reasons(sched: ScheduleApi) -> None:
    http = sched.http

    async def refused(status: int, code: str, **kwargs: Any) -> dict[str, Any]:
        response = await http.post(S, **kwargs)
        assert response.status_code == status, response.text
        error: dict[str, Any] = response.json()["error"]
        assert error["code"] == code, error
        return error

    error = await refused(422, "invalid_schedule", json={"products": ["x"], "every": "5 parsecs"})
    assert "'5 parsecs' is not an interval" in error["message"] and error["details"][0]["field"] == "every"
    error = await refused(422, "invalid_schedule", json={"products": ["x"], "every": "1h", "cron": "0 6 * * *"})
    assert "exactly one of 'every'" in error["message"]
    await refused(422, "invalid_schedule", json={"products": ["x"]})
    await refused(422, "invalid_schedule", json={"products": ["x"], "every": "0s"})
    error = await refused(422, "invalid_schedule", json={"products": ["x"], "cron": "61 25 * * *"})
    assert error["message"].startswith("cron: Temporal refused it"), error
    error = await refused(
        422, "invalid_options", json={"products": ["x"], "every": "1h", "options": {"source": "file"}}
    )
    assert error["details"][0]["field"] == "options.source"
    await refused(422, "invalid_request", json={"products": ["x"], "every": "1h", "options": {"window": "5"}})
    # The same intake as an upload: the same error, naming the row and column.
    error = await refused(
        422,
        "duplicate_header",
        files={"file": ("p.csv", b"product_id,PRODUCT_ID\na,b\n", "text/csv")},
        data={"every": "1h"},
    )
    assert error["details"]["row"] == 1, error
    error = await refused(
        422, "no_data_rows", files={"file": ("p.csv", b"product_id\n", "text/csv")}, data={"every": "1h"}
    )
    assert "p.csv has a header row" in error["message"]
    # Nothing was kept of any of these.
    assert (await http.get(S)).json()["schedules"] == []

    unknown = await http.get(f"{S}/0123456789abcdef")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "schedule_not_found"
    assert "0123456789abcdef" in unknown.json()["error"]["message"]
    bad_id = await http.post(f"{S}/not%20an%20id/pause")
    assert bad_id.status_code == 404 and bad_id.json()["error"]["code"] == "schedule_not_found"

    # A CSV upload with a bad row is stored as for a job: the row is invalid in every run, with its reason.
    csv_created = await http.post(
        S,
        files={"file": ("p.csv", b"product_id,name\nsku-c,Cup\n,nameless\n", "text/csv")},
        data={"every": "1h", "options": json.dumps({"window": 5}), "name": "csv"},
    )
    assert csv_created.status_code == 201, csv_created.text
    body = csv_created.json()
    assert (body["total_rows"], body["invalid_rows"], body["filename"], body["name"]) == (2, 1, "p.csv", "csv")
    assert body["invalid_samples"][0]["row"] == 3 and body["options"]["window"] == 5
    assert (await http.delete(f"{S}/{body['schedule_id']}")).status_code == 200
    assert (await http.delete(f"{S}/{body['schedule_id']}")).json()["error"]["code"] == "schedule_deleted"


async def test_temporal_unreachable_is_a_503_and_keeps_nothing(
    temporal_server: TemporalDevServer, temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    host, port = temporal_server.address.rsplit(":", 1)
    proxy = TcpProxy(host, int(port), free_port())
    await proxy.up()
    cut = await Client.connect(proxy.address)
    async with serve(temporal_client, state, tmp_path, api_temporal=cut) as api, api.client() as http:
        ok = await http.post(S, json={"products": ["sku-z"], "every": "1h"})
        assert ok.status_code == 201, ok.text
        schedule_id = ok.json()["schedule_id"]
        await proxy.down()
        refused = await http.post(S, json={"products": ["sku-y"], "every": "1h"})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "orchestrator_unavailable"
        for method, path in [("GET", ""), ("POST", "/pause"), ("POST", "/trigger"), ("DELETE", "")]:
            started = time.monotonic()
            answer = await http.request(method, f"{S}/{schedule_id}{path}")
            assert answer.status_code == 503, (method, path, answer.text)
            # The SDK's own retries of a refused connection take about 10 s (measured); never a hang.
            assert time.monotonic() - started < 20 and "schedule" in answer.json()["error"]["message"]
        listed = (await http.get(S)).json()["schedules"]  # PostgreSQL alone answers the list
        assert [s["schedule_id"] for s in listed] == [schedule_id]
        await proxy.up()
        assert (await http.delete(f"{S}/{schedule_id}")).status_code == 200


async def _cli(api: Api, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "internal.cli.main",
        "--api-url",
        api.url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "110"},  # a person's terminal (the C environment here says 80)
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_enrich_schedule_commands(sched: ScheduleApi, tmp_path: Path) -> None:
    upload = tmp_path / "p.csv"
    upload.write_text("product_id,name\nsku-l1,One\n,Two\n")
    code, out, err = await _cli(sched.api, "schedule", "create", str(upload), "--every", "1h", "-o", "window=3")
    assert code == 0, out + err
    assert "2 rows, 1 invalid, every 1h" in out and "row 3" in out
    schedule_id = out.split()[-1]
    code, out, _ = await _cli(sched.api, "schedule", "list")
    assert code == 0 and schedule_id in out and "every 1h" in out and "active" in out
    code, out, _ = await _cli(sched.api, "schedule", "trigger", schedule_id)
    assert code == 0 and f"schedule {schedule_id}: active" in out
    run = (await sched.wait_runs(schedule_id, 1, timeout=30))[0]
    assert f"run {run['run_workflow_id']} started job {run['job_id']}" in out, out  # the job it started
    code, out, _ = await _cli(sched.api, "schedule", "show", schedule_id)
    assert code == 0 and out.startswith(f"schedule {schedule_id} (schedule-{schedule_id}): active, every 1h"), out
    assert "2 rows from p.csv" in out and "window=3" in out and "next runs: " in out
    assert re.search(rf"^{run['job_id']}\s+completed\s+2\s", out, re.M), out  # its jobs, one line each
    code, out, _ = await _cli(sched.api, "schedule", "show", schedule_id, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["options"]["window"] == 3 and len(shown["recent_runs"]) == 1
    for action, state in [("pause", "paused"), ("resume", "active"), ("delete", "deleted")]:
        code, out, err = await _cli(sched.api, "schedule", action, schedule_id)
        assert code == 0 and f"schedule {schedule_id}: {state}" in out, out + err
    code, _, err = await _cli(sched.api, "schedule", "pause", schedule_id)
    assert code == 2 and "schedule_deleted" in err
    code, _, err = await _cli(sched.api, "schedule", "show", "0123456789abcdef")
    assert code == 2 and "schedule_not_found" in err
    code, _, err = await _cli(sched.api, "schedule", "create", str(upload), "--every", "soon")
    assert code == 2 and "invalid_schedule" in err and "not an interval" in err
    code, _, err = await _cli(sched.api, "schedule", "create", str(upload))
    assert code == 2 and "one of the arguments --every --cron is required" in err
