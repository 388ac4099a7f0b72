"""The core promise under crashes: SIGKILL the worker, kill Temporal, kill PostgreSQL in the middle of a job, and
every row still ends exactly as in an undisturbed run of the same CSV, no review is stored twice, and the
counts add up at every poll."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.reuse import DEFAULT_REVIEW_MAX_AGE
from internal.jobs.upload import create_job_from_csv
from tests.faults.conftest import Record
from tests.faults.harness import FaultStack, all_results, enricher, fault_stack, outcome, watch_until_terminal
from tests.integration.harness import csv_bytes

ROWS = 400
IDS = [f"fault-{i:04d}" for i in range(ROWS)]


async def _job(state: StateManager, *, fresh: bool = True) -> str:
    """A job with a new job's default options (reuse on). `fresh`: nothing stored, so every row claims, finds
    nothing, fetches and keeps what it fetched; otherwise the rows reuse what an earlier run kept."""
    if fresh:
        await state.products.forget_all()
    job_id = uuid.uuid4().hex[:12]
    options = {"review_max_age": DEFAULT_REVIEW_MAX_AGE}
    await create_job_from_csv(state, io.BytesIO(csv_bytes(IDS)), job_id=job_id, options=options)
    return job_id


async def _reviews(state: StateManager, job_id: str) -> list[int]:
    return [await state.reviews.count_reviews(job_id, n) for n in range(1, ROWS + 1)]


async def _progressed(state: StateManager, job_id: str, at_least: int) -> None:
    async with asyncio.timeout(120):
        while (await state.jobs.get_progress(job_id)).done < at_least:
            await asyncio.sleep(0.2)


async def _run(
    stack: FaultStack,
    client: Client,
    disturb: Callable[[StateManager, str], Awaitable[None]] | None,
    *,
    fresh: bool = True,
) -> tuple[list[tuple[object, ...]], list[int]]:
    state = await StateManager.connect(stack.dsn, max_size=4)
    try:
        job_id = await _job(state, fresh=fresh)
        await enricher(state, client).enrich(job_id)
        watcher = asyncio.create_task(watch_until_terminal(state, job_id, timeout=300))
        if disturb is not None:
            await disturb(state, job_id)
        problems = await watcher
        assert problems == [], problems[:5]
        assert (await state.jobs.get_progress(job_id)).status == "completed"
        return outcome(await all_results(state, job_id)), await _reviews(state, job_id)
    finally:
        await state.close()


async def test_worker_sigkilled_five_times(tmp_path: Path, figure: Record) -> None:
    async with fault_stack(tmp_path) as stack:
        client = await Client.connect(stack.temporal.address)
        with stack.worker():
            baseline, baseline_reviews = await _run(stack, client, None)
        worker = stack.proc("worker.py")
        worker.start()

        async def kill_five_times(state: StateManager, job_id: str) -> None:
            for k in range(5):
                await _progressed(state, job_id, (k + 1) * ROWS // 7)
                worker.kill()
                await asyncio.sleep(0.5)
                worker.start()

        try:
            disturbed, reviews = await _run(stack, client, kill_five_times)
            # The same CSV again, killed five times again: every row reuses what the run before kept.
            reused, reused_reviews = await _run(stack, client, kill_five_times, fresh=False)
        finally:
            worker.stop()
        assert worker.starts == 11
        assert reused_reviews == baseline_reviews
        for was, now in zip(baseline, reused, strict=True):
            assert _sentiment(now) == _sentiment(was), (was, now)
        figure("rows identical (sentiment) when reused under 5 more SIGKILLs", f"{len(reused)}/{len(baseline)}")
        assert disturbed == baseline
        assert reviews == baseline_reviews
        assert sum(reviews) > 0
        figure("worker SIGKILLs", worker.starts - 1)
        figure("rows identical to the undisturbed run", f"{len(disturbed)}/{len(baseline)}")
        figure("reviews stored (each once)", sum(reviews))


def _sentiment(row: tuple[object, ...]) -> tuple[object, ...]:
    """A row's outcome less what says where its reviews came from (the reason's note, reused_from)."""
    row_num, product_id, status, _reason, result = row
    stored = result if isinstance(result, dict) else {}
    kept = {k: v for k, v in stored.items() if k not in ("reason", "reused_from", "new_reviews")}
    return row_num, product_id, status, kept


async def test_temporal_server_killed_and_restarted(tmp_path: Path, figure: Record) -> None:
    async with fault_stack(tmp_path) as stack:
        client = await Client.connect(stack.temporal.address)
        with stack.worker():
            baseline, baseline_reviews = await _run(stack, client, None)

            async def kill_temporal(state: StateManager, job_id: str) -> None:
                await _progressed(state, job_id, ROWS // 3)
                stack.kill_temporal()
                await asyncio.sleep(2)
                await stack.temporal.start()

            disturbed, reviews = await _run(stack, client, kill_temporal)
        assert disturbed == baseline
        assert reviews == baseline_reviews
        figure("rows identical to the undisturbed run", f"{len(disturbed)}/{len(baseline)}")


async def test_postgres_killed_and_restarted(tmp_path: Path, figure: Record) -> None:
    async with fault_stack(tmp_path) as stack:
        client = await Client.connect(stack.temporal.address)
        with stack.worker():
            baseline, baseline_reviews = await _run(stack, client, None)
            statuses: Counter[int] = Counter()

            async def poll_api(base: str, job_id: str) -> None:
                # What a user watching the job sees: the API must answer 200 or 503 throughout, never a 500.
                async with httpx.AsyncClient(base_url=base, timeout=10) as http:
                    while True:
                        statuses[(await http.get(f"/api/v1/jobs/{job_id}/progress")).status_code] += 1
                        await asyncio.sleep(0.1)

            async with stack.api() as (_, base):

                async def kill_postgres(state: StateManager, job_id: str) -> None:
                    await _progressed(state, job_id, ROWS // 3)
                    poller = asyncio.create_task(poll_api(base, job_id))
                    stack.kill_postgres()
                    await asyncio.sleep(2)
                    await stack.restart_postgres()
                    await asyncio.sleep(2)
                    poller.cancel()

                disturbed, reviews = await _run(stack, client, kill_postgres)
        assert disturbed == baseline
        assert reviews == baseline_reviews
        assert set(statuses) <= {200, 503} and statuses[503] > 0, statuses
        figure("rows identical to the undisturbed run", f"{len(disturbed)}/{len(baseline)}")
        figure("/progress answers while PostgreSQL was down", dict(statuses))
