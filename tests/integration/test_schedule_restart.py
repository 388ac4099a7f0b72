"""A schedule survives a restart of everything: `make run` (cmd/run.py: embedded Temporal, PostgreSQL, worker, API)
stopped and started again on the same DATA_DIR keeps the schedule, its jobs, and its runs going; and it is what
`temporal schedule list` shows."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from internal.platform.stack.proc import free_port
from tests.fakes.reviews_api import API_KEY, FakeReviewsApi
from tests.fakes.server import serve_app
from tests.integration.cmd_harness import TEMPORAL, Cmd

S = "/api/v1/schedules"


async def _runs(http: httpx.AsyncClient, schedule_id: str) -> list[dict[str, Any]]:
    response = await http.get(f"{S}/{schedule_id}")
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["recent_runs"]))


async def _wait_finished_runs(http: httpx.AsyncClient, schedule_id: str, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(90):
        while True:
            runs = await _runs(http, schedule_id)
            if len(runs) >= count and all(r["status"] in ("completed", "failed", "cancelled") for r in runs):
                return runs
            await asyncio.sleep(0.5)


def _run_stack(data_dir: Path, api_port: int, url: str) -> Cmd:
    return Cmd(
        "run.py",
        data_dir,
        API_PORT=str(api_port),
        REVIEW_SOURCE="http",
        REVIEWS_HTTP_URL=url + "/v1/products/{product_id}/reviews?cursor={cursor}",
        REVIEWS_HTTP_HEADERS=json.dumps({"X-Api-Key": API_KEY}),
        REVIEWS_HTTP_MAPPING="simple",
    )


async def test_a_schedule_survives_a_restart_of_the_whole_stack(tmp_path: Path) -> None:
    fake = FakeReviewsApi()
    api_port = free_port()
    with serve_app(fake.app) as url:
        stack = _run_stack(tmp_path, api_port, url)
        try:
            addresses = await stack.wait_ready()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:
                created = await http.post(S, json={"products": ["sku-r1", "sku-r2"], "every": "5s", "name": "r"})
                assert created.status_code == 201, created.text
                schedule_id = created.json()["schedule_id"]
                before = await _wait_finished_runs(http, schedule_id, 1)
            listing = await asyncio.to_thread(
                subprocess.run,
                [str(TEMPORAL), "schedule", "list", "--address", addresses["Temporal gRPC"]],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert listing.returncode == 0 and f"schedule-{schedule_id}" in listing.stdout, listing
        finally:
            assert stack.terminate() == 0, stack.output

        again = _run_stack(tmp_path, api_port, url)
        try:
            await again.wait_ready()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:
                shown = (await http.get(f"{S}/{schedule_id}")).json()
                assert shown["state"] == "active" and shown["next_runs"], shown
                # What ran before the restart is all there, and the schedule goes on making jobs after it.
                after = await _wait_finished_runs(http, schedule_id, len(before) + 1)
                assert [r["job_id"] for r in after[: len(before)]] == [r["job_id"] for r in before]
                assert all(r["status"] == "completed" for r in after)
                assert after[len(before)]["previous_job_id"] == after[len(before) - 1]["job_id"]
                assert (await http.delete(f"{S}/{schedule_id}")).status_code == 200
        finally:
            assert again.terminate() == 0, again.output
