"""JobWorkflow and EnrichmentWorkflow on the real Temporal dev server and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from internal.app.state import StateManager
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.workflow import JobProgress, JobWorkflow, job_workflow_id
from tests.integration.harness import (
    all_rows_terminal,
    new_job,
    running_worker,
    wait_count,
    wait_runs,
    wait_until_done,
)

_CHILD_OPEN = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
_CHILD_CLOSED = {
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
}


async def _max_pending_children(client: Client, workflow_id: str, run_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    pending = peak = 0
    for event in history.events:
        if event.event_type == _CHILD_OPEN:
            pending += 1
            peak = max(peak, pending)
        elif event.event_type in _CHILD_CLOSED:
            pending -= 1
    return peak


async def test_large_job_bounded_window_and_continue_as_new(temporal_client: Client, state: StateManager) -> None:
    window = 40
    ids = [f"p{i:05d}" for i in range(2500)]
    job_id = await new_job(state, ids, {"window": window, "max_children_per_run": 600})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        enricher = TemporalEnricher(state, temporal_client, queue)
        await enricher.enrich(job_id)
        await enricher.enrich(job_id)  # idempotent: no second run
        await wait_until_done(state, job_id, timeout=600, client=temporal_client)
    assert await all_rows_terminal(state, job_id)
    progress = await state.jobs.get_progress(job_id)
    assert progress.status == "completed" and progress.total == 2500
    result = await temporal_client.get_workflow_handle_for(JobWorkflow.run, job_workflow_id(job_id)).result()
    assert result.runs >= 4, "600 children per run over 2,500 rows must continue-as-new at least 4 times"
    # Every run, the last one included: visibility may list it a moment after the job reads completed.
    query = f'WorkflowId="{job_workflow_id(job_id)}"'
    runs = await wait_runs(temporal_client, query, lambda seen: len(seen) == result.runs)
    for run in runs:
        assert await _max_pending_children(temporal_client, job_workflow_id(job_id), run.run_id) <= window


async def test_progress_query_and_search_attributes(temporal_client: Client, state: StateManager) -> None:
    job_id = await new_job(state, [f"q{i}" for i in range(12)], {"window": 4})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        handle = temporal_client.get_workflow_handle(job_workflow_id(job_id))
        snapshot = await handle.query("progress", result_type=JobProgress)
        assert snapshot.job_id == job_id and snapshot.in_flight <= 4
        await wait_until_done(state, job_id, client=temporal_client)
    await wait_count(temporal_client, f'JobId="{job_id}"', 13)  # parent + 12 children
    desc = await temporal_client.get_workflow_handle(job_workflow_id(job_id)).describe()
    assert desc.status == WorkflowExecutionStatus.COMPLETED
    assert (await desc.static_summary()) is not None


async def test_cancel_mid_job_stops_every_child(temporal_client: Client, state: StateManager) -> None:
    job_id = await new_job(state, [f"slow-c{i}" for i in range(60)], {"window": 10})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        enricher = TemporalEnricher(state, temporal_client, queue)
        await enricher.enrich(job_id)
        async with asyncio.timeout(60):
            while (await state.jobs.get_progress(job_id)).done < 5:
                await asyncio.sleep(0.2)
        finished_before = {
            r.row_num: r.result for r in await state.rows.get_results(job_id, limit=100) if r.status == "succeeded"
        }
        await enricher.cancel(job_id)
        await wait_until_done(state, job_id, client=temporal_client)
    progress = await state.jobs.get_progress(job_id)
    assert progress.status == "cancelled"
    assert progress.counts["cancelled"] > 0 and progress.counts["running"] == progress.counts["pending"] == 0
    await wait_count(temporal_client, f'JobId="{job_id}" AND ExecutionStatus="Running"', 0)
    after = {r.row_num: r.result for r in await state.rows.get_results(job_id, limit=100)}
    for row_num, result in finished_before.items():
        assert after[row_num] == result


async def test_pause_stops_new_children_and_resume_finishes(temporal_client: Client, state: StateManager) -> None:
    job_id = await new_job(state, [f"slow-p{i}" for i in range(30)], {"window": 3})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        enricher = TemporalEnricher(state, temporal_client, queue)
        await enricher.enrich(job_id)
        async with asyncio.timeout(60):
            while (await state.jobs.get_progress(job_id)).done < 3:
                await asyncio.sleep(0.1)
        await enricher.pause(job_id)
        handle = temporal_client.get_workflow_handle(job_workflow_id(job_id))
        async with asyncio.timeout(60):
            while (await handle.query("progress", result_type=JobProgress)).in_flight > 0:
                await asyncio.sleep(0.2)
        started = (await handle.query("progress", result_type=JobProgress)).started
        await asyncio.sleep(2)
        paused = await handle.query("progress", result_type=JobProgress)
        assert paused.started == started and paused.status == "paused"
        assert (await state.jobs.get_job(job_id)).status == "paused"
        await enricher.resume(job_id)
        await wait_until_done(state, job_id, client=temporal_client)
    assert (await state.jobs.get_progress(job_id)).status == "completed"
    assert await all_rows_terminal(state, job_id)


async def test_worker_killed_mid_job_a_new_worker_finishes_it(temporal_client: Client, state: StateManager) -> None:
    job_id = await new_job(state, [f"slow-k{i}" for i in range(40)], {"window": 8})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        async with asyncio.timeout(60):
            while (await state.jobs.get_progress(job_id)).done < 5:
                await asyncio.sleep(0.1)
    # The first worker is gone mid-job (its in-flight activities were cancelled); a new one takes over.
    async with running_worker(temporal_client, state, task_queue=queue):
        await wait_until_done(state, job_id, client=temporal_client)
    assert (await state.jobs.get_progress(job_id)).status == "completed"
    assert await all_rows_terminal(state, job_id)
    rows = await state.rows.get_results(job_id, limit=100)
    assert Counter(r.status for r in rows)["failed"] == 0
    for row in rows:
        reviews = await state.reviews.load_scores(job_id, row.row_num)
        ids = [r.review_id for r, _ in reviews]
        assert len(ids) == len(set(ids))


async def test_permanent_source_error_fails_the_row_and_the_job_completes(
    temporal_client: Client, state: StateManager
) -> None:
    job_id = await new_job(state, ["pos-1", "notfound-2", "pos-3"])
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        await wait_until_done(state, job_id, client=temporal_client)
    rows = {r.product_id: r for r in await state.rows.get_results(job_id)}
    assert rows["notfound-2"].status == "failed"
    assert rows["notfound-2"].reason is not None and "not found" in rows["notfound-2"].reason
    assert rows["pos-1"].status == "succeeded" and rows["pos-3"].status == "succeeded"
    assert (await state.jobs.get_progress(job_id)).status == "completed"


async def test_feedback_reads_more_pages_then_escalates_and_keeps_the_best(
    temporal_client: Client, state: StateManager
) -> None:
    from internal.adapters.scorers.vader import VaderScorer

    chain = ["vader", "vader-strong", "vader-best"]
    options = {"pages_per_attempt": 1, "max_retries": 2, "scorer_chain": chain}
    job_id = await new_job(state, ["sparse-f1", "weak-f2", "few-f3", "none-f4"], options)
    queue = f"q-{uuid.uuid4().hex[:6]}"
    scorers = {name: VaderScorer(name) for name in chain}
    async with running_worker(temporal_client, state, task_queue=queue, scorers=scorers):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        await wait_until_done(state, job_id, client=temporal_client)
    rows = {r.product_id: r for r in await state.rows.get_results(job_id)}

    sparse = rows["sparse-f1"]  # 2 reviews on page 1: continue-as-new with a larger page budget
    assert sparse.status == "succeeded" and sparse.attempt == 2
    assert sparse.result is not None and sparse.result["review_count"] == 22
    await wait_runs(temporal_client, f'WorkflowId="{sparse.workflow_id}"', lambda seen: len(seen) == 2)

    weak = rows["weak-f2"]  # stays weak: escalates once, then gives up at max_retries with its best result
    assert weak.status == "low_confidence" and weak.attempt == 2
    assert weak.reason is not None and "gave up after 2 attempts" in weak.reason
    assert weak.result is not None and weak.result["review_count"] == 12
    assert "vader-strong" in weak.result["scorers"]

    few = rows["few-f3"]
    assert few.status == "low_confidence" and few.reason is not None and "only 3 reviews" in few.reason
    assert rows["none-f4"].status == "no_reviews"
