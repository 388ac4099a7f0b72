"""Cancel while every row is retrying on a slow second scorer, and a source that fails in every way a vendor
does (500, 502, 429 with Retry-After, a hang, broken JSON, an unknown product), with real worker and API processes."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
from temporalio.client import Client

from internal.enrichment.beats import HEARTBEAT_EVERY
from tests.fakes.gemini import FakeGemini
from tests.fakes.reviews_api import API_KEY, HANG_SECONDS, FakeReviewsApi
from tests.fakes.server import serve_app
from tests.faults.conftest import Record
from tests.faults.harness import fault_stack
from tests.integration.harness import wait_count

TERMINAL = ("completed", "cancelled", "failed")


async def _wait_status(http: httpx.AsyncClient, job_id: str, timeout: float) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            job: dict[str, object] = (await http.get(f"/api/v1/jobs/{job_id}")).json()
            if job["status"] in TERMINAL:
                return job
            await asyncio.sleep(0.25)


async def test_cancel_while_rows_retry_on_a_slow_scorer(tmp_path: Path, figure: Record) -> None:
    gemini = FakeGemini(delay=3.0)
    with serve_app(gemini.app) as gemini_url:
        env = {"SCORER_CHAIN": "vader,gemini", "GEMINI_API_KEY": gemini.api_key, "GEMINI_BASE_URL": gemini_url}
        async with fault_stack(tmp_path, **env) as stack:
            client = await Client.connect(stack.temporal.address)
            with stack.worker():
                async with stack.api() as (_, base), httpx.AsyncClient(base_url=base, timeout=60) as http:
                    # A policy no VADER result meets: every row escalates to the slow scorer, then retries.
                    body = {
                        "products": [f"slow-{i}" for i in range(30)],
                        "options": {"scorer_chain": ["vader", "gemini"], "policy": {"max_ci_width": 0.001}},
                    }
                    created = await http.post("/api/v1/jobs", json=body)
                    assert created.status_code == 201, created.text
                    job_id = created.json()["job_id"]
                    async with asyncio.timeout(120):
                        while gemini.calls < 5:
                            await asyncio.sleep(0.1)
                    cancelled_at = time.monotonic()
                    answer = await http.post(f"/api/v1/jobs/{job_id}/cancel")
                    assert answer.status_code == 202, answer.text
                    job = await _wait_status(http, job_id, timeout=30)
                    took = time.monotonic() - cancelled_at
                    assert job["status"] == "cancelled", job
                    assert took < 15, f"the cancel took {took:.1f} s"
                    query = f'JobId="{job_id}" AND ExecutionStatus="Running"'
                    await wait_count(client, query, 0, timeout=10)
                    # Nothing keeps spending the scorer's quota once the job is cancelled. A scoring activity
                    # hears of the cancel in its next heartbeat's reply (one every HEARTBEAT_EVERY, 5 s, while a
                    # call runs) and the calls it has queued then never go out.
                    await asyncio.sleep(HEARTBEAT_EVERY + gemini.delay)
                    calls = gemini.calls
                    await asyncio.sleep(5)
                    late = [round(t - cancelled_at, 1) for t in gemini.arrivals if t > cancelled_at]
                    assert gemini.calls == calls, f"calls at these seconds after the cancel: {late}"
                    figure("seconds from cancel to 'cancelled'", f"{took:.1f}")
                    figure("last scorer call after the cancel (s)", max(late, default=0))
                    progress = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
                    assert progress["running"] == progress["pending"] == 0, progress
                    assert progress["done"] == progress["total"] == 30, progress


async def test_a_flaky_source(tmp_path: Path, figure: Record) -> None:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        env = {
            "REVIEW_SOURCE": "http",
            "REVIEWS_HTTP_URL": url + "/v1/products/{product_id}/reviews?cursor={cursor}",
            "REVIEWS_HTTP_HEADERS": json.dumps({"X-Api-Key": API_KEY}),
            "REVIEWS_HTTP_MAPPING": "simple",
        }
        async with fault_stack(tmp_path, **env) as stack:
            with stack.worker():
                async with stack.api() as (_, base), httpx.AsyncClient(base_url=base, timeout=60) as http:
                    flaky = ["once-oops-1", "once-boom-1", "once-throttle-1", "once-garbled-1", "once-hang-1"]
                    products = ["steady-1", "steady-2", *flaky, "missing-1"]
                    body = {"products": products, "options": {"source": "http"}}
                    created = await http.post("/api/v1/jobs", json=body)
                    assert created.status_code == 201, created.text
                    job_id = created.json()["job_id"]
                    job = await _wait_status(http, job_id, timeout=HANG_SECONDS + 60)
                    assert job["status"] == "completed", job
                    results = (await http.get(f"/api/v1/jobs/{job_id}/results")).json()["results"]
                    by_id = {r["product_id"]: r for r in results}
        steady = by_id["steady-1"]
        for product in flaky:
            row = by_id[product]
            # After one failure each, these rows end exactly as a steady product with the same reviews does.
            same = ("review_count", "mean_sentiment", "label", "confidence")
            assert row["status"] == steady["status"], row
            assert {k: row["result"][k] for k in same} == {k: steady["result"][k] for k in same}, row
            assert fake.requests[product] >= 2, product
        assert by_id["missing-1"]["status"] == "failed", by_id["missing-1"]
        assert "404" in by_id["missing-1"]["reason"] or "not found" in by_id["missing-1"]["reason"].lower()
        throttled = fake.times["once-throttle-1"]
        assert throttled[1] - throttled[0] >= 3.0, "Retry-After: 3 must hold the retry back"
        hung = fake.times["once-hang-1"]
        assert hung[1] - hung[0] < HANG_SECONDS, "the client must give up on a hung request, not wait it out"
        figure("429 Retry-After: 3 → retry after (s)", f"{throttled[1] - throttled[0]:.1f}")
        figure("hung request → retry after (s)", f"{hung[1] - hung[0]:.1f}")
