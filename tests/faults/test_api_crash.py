"""The API SIGKILLed in the middle of an upload: the restarted API finds what was half done and cleans it up.

- Killed while a CSV sent in the request is being read in: the rows read so far go, the job fails with a reason
  that says to upload again (the file went with the request), the job's events say so, counts add up, and the
  client's retry with the same Idempotency-Key creates a new job instead of finding the dead one.
- Killed while a signed PUT is streaming: the partial file goes; the job can still be uploaded and started.
- Killed while a started signed upload is being read in: the rows go, the stored upload stays, and the
  client's next start reads it again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from internal.app.state import StateManager
from internal.domain.lifecycle import ROW_STATUSES
from tests.faults.conftest import Record
from tests.faults.harness import fault_stack

BIG_ROWS = 400_000


def _big_csv(rows: int = BIG_ROWS) -> bytes:
    return ("product_id\n" + "".join(f"big-{i:07d}\n" for i in range(rows))).encode()


async def _wait_for_rows(state: StateManager) -> str:
    """The id of the job whose intake has stored rows but not finished."""
    async with asyncio.timeout(120):
        while True:
            for stalled in await state.intakes.stalled():
                if stalled.rows_read > 0:
                    return stalled.job_id
            await asyncio.sleep(0.05)


async def test_api_killed_mid_intake(tmp_path: Path, figure: Record) -> None:
    async with fault_stack(tmp_path) as stack:
        state = await StateManager.connect(stack.dsn, max_size=2)
        try:
            async with stack.api() as (api, base), httpx.AsyncClient(base_url=base, timeout=120) as http:
                upload = asyncio.create_task(
                    http.post(
                        "/api/v1/jobs",
                        files={"file": ("big.csv", _big_csv(), "text/csv")},
                        headers={"Idempotency-Key": "crash-once"},
                    )
                )
                job_id = await _wait_for_rows(state)
                api.kill()
                with contextlib.suppress(httpx.HTTPError):
                    await upload
            figure("rows stored when the API was killed", (await state.intakes.stalled())[0].rows_read)

            async with stack.api() as (_, base), httpx.AsyncClient(base_url=base, timeout=120) as http:
                job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
                assert job["status"] == "failed", job
                assert "upload the file again" in job["error"], job
                progress = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
                assert progress["total"] == sum(progress[s] for s in ROW_STATUSES) == 0, progress
                assert progress["percent"] != 100 or progress["status"] == "failed"
                events = [e["kind"] for e in (await http.get(f"/api/v1/jobs/{job_id}/events")).json()["events"]]
                assert "job.intake_interrupted" in events
                assert await state.rows.get_results(job_id) == []
                # The client never heard back, so it retries with the same key: that must make a new job.
                retry = await http.post(
                    "/api/v1/jobs",
                    files={"file": ("small.csv", b"product_id\nsmall-1\n", "text/csv")},
                    headers={"Idempotency-Key": "crash-once"},
                )
                assert retry.status_code == 201, retry.text
                assert retry.json()["job_id"] != job_id
        finally:
            await state.close()


async def _slow_body(data: bytes, sent: asyncio.Event) -> AsyncIterator[bytes]:
    chunk = 64 * 1024
    for i in range(0, len(data), chunk):
        yield data[i : i + chunk]
        if i >= 4 * chunk:
            sent.set()
            await asyncio.sleep(0.2)


async def test_api_killed_mid_signed_put_and_mid_start(tmp_path: Path) -> None:
    async with fault_stack(tmp_path) as stack:
        uploads = Path(stack.env["DATA_DIR"]) / "uploads"
        state = await StateManager.connect(stack.dsn, max_size=2)
        data = _big_csv()
        try:
            async with stack.api() as (api, base), httpx.AsyncClient(base_url=base, timeout=120) as http:
                signed = (await http.post("/api/v1/enrichment-signed-url", json={"filename": "big.csv"})).json()
                # The restarted API listens on another port: keep the signed path and query, not the host.
                job_id, url = signed["job_id"], httpx.URL(signed["upload_url"]).raw_path.decode()
                sent = asyncio.Event()
                put = asyncio.create_task(http.put(url, content=_slow_body(data, sent)))
                await sent.wait()
                async with asyncio.timeout(30):
                    while not list(uploads.glob("*.part")):
                        await asyncio.sleep(0.05)
                api.kill()
                with contextlib.suppress(httpx.HTTPError):
                    await put
            assert list(uploads.glob("*.part")), "the kill must leave a partial upload behind"

            async with stack.api() as (api, base), httpx.AsyncClient(base_url=base, timeout=120) as http:
                assert list(uploads.glob("*.part")) == [], "the restarted API removes partial uploads"
                # The URL is still good: upload in full, then start; kill the API while it reads the rows in.
                assert (await http.put(url, content=data)).status_code == 204
                start = asyncio.create_task(http.post(f"/api/v1/jobs/{job_id}/start"))
                assert await _wait_for_rows(state) == job_id
                api.kill()
                with contextlib.suppress(httpx.HTTPError):
                    await start

            async with stack.api() as (_, base), httpx.AsyncClient(base_url=base, timeout=120) as http:
                job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
                assert job["status"] == "created" and job["total_rows"] == 0, job
                events = (await http.get(f"/api/v1/jobs/{job_id}/events")).json()["events"]
                interrupted = [e for e in events if e["kind"] == "job.intake_interrupted"]
                assert interrupted and interrupted[0]["details"]["action"] == "start_again", events
                started = await http.post(f"/api/v1/jobs/{job_id}/start")
                assert started.status_code == 201, started.text
                assert started.json()["total_rows"] == BIG_ROWS
        finally:
            await state.close()
