"""Helpers for workflow tests: an in-process worker on its own task queue, and job creation from rows."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.worker import Worker

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import Scorer
from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.base import ReviewSource
from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.app.worker import build_worker
from internal.domain.lifecycle import TERMINAL_ROW_STATUSES
from internal.jobs.upload import create_job_from_csv
from internal.jobs.workflow import job_workflow_id
from internal.platform.alert_settings import AlertSettings


def csv_bytes(product_ids: list[str]) -> bytes:
    return ("product_id,name\n" + "".join(f"{p},Product {p}\n" for p in product_ids)).encode()


async def new_job(state: StateManager, product_ids: list[str], options: dict[str, object] | None = None) -> str:
    job_id = uuid.uuid4().hex[:12]
    await create_job_from_csv(state, io.BytesIO(csv_bytes(product_ids)), job_id=job_id, options=options or {})
    return job_id


@asynccontextmanager
async def running_worker(
    client: Client,
    state: StateManager,
    *,
    task_queue: str | None = None,
    sources: Mapping[str, ReviewSource] | None = None,
    scorers: Mapping[str, Scorer] | None = None,
    alert_settings: AlertSettings | None = None,
    aspects: AspectProvider | None = None,
) -> AsyncIterator[Worker]:
    worker = build_worker(
        client,
        task_queue or f"test-{uuid.uuid4().hex[:8]}",
        state,
        sources or {"demo": DemoSource()},
        scorers or {"vader": VaderScorer()},
        alert_settings=alert_settings,
        aspects=aspects,
    )
    async with worker:
        yield worker


async def wait_until_done(state: StateManager, job_id: str, timeout: float = 300, client: Client | None = None) -> None:
    """Until the job is terminal in PostgreSQL and, given a client, its workflow has closed too.

    The workflow records the job's final status in its last activity and closes a moment later: a test that
    stops its worker in between would leave the workflow open with nobody to finish it.
    """
    async with asyncio.timeout(timeout):
        while True:
            progress = await state.jobs.get_progress(job_id)
            if progress.status in ("completed", "cancelled", "failed"):
                break
            await asyncio.sleep(0.2)
        if client is not None:
            handle = client.get_workflow_handle(job_workflow_id(job_id))
            while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await asyncio.sleep(0.1)


async def all_rows_terminal(state: StateManager, job_id: str) -> bool:
    p = await state.jobs.get_progress(job_id)
    return sum(p.counts[s] for s in TERMINAL_ROW_STATUSES) == p.total


# Visibility (list/count) is eventually consistent, and a run closes a workflow task after it wrote the job's final
# status: a test reading either right after PostgreSQL says the job is done waits for what it asserts.
VISIBILITY_TIMEOUT = 30.0


async def wait_runs(
    client: Client,
    query: str,
    until: Callable[[list[WorkflowExecution]], bool],
    timeout: float = VISIBILITY_TIMEOUT,
) -> list[WorkflowExecution]:
    """The runs a visibility query lists, once `until` holds for them; an AssertionError naming what was listed
    last if it does not within `timeout`."""
    seen: list[WorkflowExecution] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                seen = [w async for w in client.list_workflows(query)]
                if until(seen):
                    return seen
                await asyncio.sleep(0.2)
    except TimeoutError:
        listed = [(w.run_id, w.status.name if w.status else None, w.close_time) for w in seen]
        raise AssertionError(f"after {timeout:g} s, {query!r} lists {listed}") from None


async def wait_count(client: Client, query: str, expected: int, timeout: float = VISIBILITY_TIMEOUT) -> None:
    """Until a visibility count query answers `expected` (an AssertionError with the last count otherwise)."""
    count = None
    try:
        async with asyncio.timeout(timeout):
            while (count := (await client.count_workflows(query)).count) != expected:
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"after {timeout:g} s, {query!r} counts {count}, not {expected}") from None


def all_completed(runs: int) -> Callable[[list[WorkflowExecution]], bool]:
    """`until` for wait_runs: exactly `runs` runs, every one closed as completed."""
    return lambda seen: len(seen) == runs and all(w.status == WorkflowExecutionStatus.COMPLETED for w in seen)
