"""The workflows' own rules, fast: the feedback loop, escalation and retry budget of EnrichmentWorkflow (time-skipping
server), continue-as-new, pause/resume and cancel of JobWorkflow (dev server), against fake activities."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from internal.domain.options import EnrichmentOptions
from internal.enrichment import contracts
from internal.enrichment.workflow import EnrichmentInput, EnrichmentWorkflow
from internal.jobs.workflow import JobInput, JobResult, JobWorkflow, job_workflow_id
from tests.fakes.activities import FakeActivities
from tests.workflows.conftest import fake_worker
from tests.workflows.conftest import run_row as _row


def _ids(n: int) -> list[str]:
    return [f"p{i}" for i in range(n)]


async def test_feedback_loop_reads_more_pages_then_finishes(skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(_ids(1), script=["fetch_more", "fetch_more"])
    result = await _row(skipping_env, fakes, EnrichmentOptions(scorer_chain=("vader",), pages_per_attempt=1))
    assert (result.status, result.attempts) == ("succeeded", 3)
    assert fakes.row_status[1] == "succeeded"


async def test_escalation_moves_to_the_next_scorer(skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(_ids(1), script=["escalate"])
    result = await _row(skipping_env, fakes, EnrichmentOptions(scorer_chain=("vader", "gemini")))
    assert result.attempts == 2
    assert fakes.scorers_used[1] == ["vader", "gemini"]


async def test_weak_results_stop_at_max_retries(skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(_ids(1), feedback_action="fetch_more")
    result = await _row(skipping_env, fakes, EnrichmentOptions(max_retries=4))
    # The workflow tells the feedback which attempt is the last; the fake then finishes, as the real one does.
    assert (result.status, result.attempts) == ("succeeded", 4)


async def test_a_reused_row_reads_no_page_and_goes_on_from_the_stored_fetch(
    skipping_env: WorkflowEnvironment,
) -> None:
    reused = contracts.ReviewClaim(
        action="reuse", from_job="j0", fetched_at="2026-12-01T10:00:00+00:00", reviews=12, cursor="c3", pages=3
    )
    fakes = FakeActivities(_ids(1), claims=[reused], script=["fetch_more"])
    result = await _row(skipping_env, fakes, EnrichmentOptions(review_max_age=3600, pages_per_attempt=3))
    assert result.status == "succeeded" and result.attempts == 2
    # Attempt 1 reused (no page read); attempt 2 reads on from the stored fetch's cursor, without claiming again.
    assert len(fakes.claimed) == 1 and fakes.claimed[0].max_age_seconds == 3600
    assert fakes.attempt_fetches == [(1, 1), (1, 2)] and fakes.attempts[1] == 2


async def test_only_a_job_that_reuses_or_refreshes_claims(skipping_env: WorkflowEnvironment) -> None:
    refresh = contracts.ReviewClaim(action="refresh", from_job="j0", fetched_at="2026-12-01T10:00:00+00:00", reviews=12)
    fakes = FakeActivities(_ids(1), claims=[refresh])
    await _row(skipping_env, fakes, EnrichmentOptions(refresh=True))
    assert len(fakes.claimed) == 1 and fakes.claimed[0].refresh and len(fakes.attempt_fetches) == 1
    plain = FakeActivities(_ids(1))
    await _row(skipping_env, plain, EnrichmentOptions(review_max_age=0))
    assert plain.claimed == [] and len(plain.attempt_fetches) == 1


async def _job(client: Client, queue: str, **kw: Any) -> WorkflowHandle[Any, JobResult]:
    job_id = uuid.uuid4().hex[:10]
    return await client.start_workflow(
        JobWorkflow.run, JobInput(job_id=job_id, **kw), id=job_workflow_id(job_id), task_queue=queue
    )


async def test_job_continues_as_new_and_every_row_finishes(temporal_client: Client) -> None:
    fakes = FakeActivities(_ids(30))
    async with fake_worker(temporal_client, fakes) as queue:
        handle = await _job(temporal_client, queue, window=5, page_size=4, max_children_per_run=8)
        result = await handle.result()
    assert result.rows_started == 30 and result.outcomes == {"succeeded": 30}
    assert result.runs == 4  # 8 + 8 + 8 + 6 children
    assert set(fakes.row_status.values()) == {"succeeded"}
    assert fakes.job_status[0] == "running" and fakes.job_status[-1] == "completed"
    # The last run, and only it, announced the job's end to alert subscriptions (internal/alerts/).
    (announced,) = fakes.announced
    assert (announced.event, announced.job_id, announced.status) == ("job_finished", result.job_id, "completed")
    assert announced.outcomes == {"succeeded": 30}


async def test_pause_holds_new_rows_and_resume_finishes(temporal_client: Client) -> None:
    fakes = FakeActivities(_ids(20), score_delay=0.05)
    async with fake_worker(temporal_client, fakes) as queue:
        handle = await _job(temporal_client, queue, window=2)
        await handle.signal(JobWorkflow.pause)
        async with asyncio.timeout(10):
            while "paused" not in fakes.job_status:
                await asyncio.sleep(0.05)
        started = (await handle.query(JobWorkflow.progress)).started
        await asyncio.sleep(1.5)
        progress = await handle.query(JobWorkflow.progress)
        assert progress.paused and progress.started == started < 20, progress
        await handle.signal(JobWorkflow.resume)
        result = await handle.result()
    assert result.outcomes == {"succeeded": 20}
    assert fakes.job_status[-1] == "completed"


async def test_cancel_closes_every_row(temporal_client: Client) -> None:
    fakes = FakeActivities(_ids(10), feedback_action="fetch_more", score_delay=0.05)
    async with fake_worker(temporal_client, fakes) as queue:
        handle = await _job(temporal_client, queue, window=10, enrichment=EnrichmentOptions(max_retries=10_000))
        async with asyncio.timeout(20):
            while len(fakes.attempts) < 10:
                await asyncio.sleep(0.05)
        await handle.cancel()
        with contextlib.suppress(WorkflowFailureError):
            await handle.result()
        assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    assert fakes.job_status[-2:] == ["cancelling", "cancelled"]
    assert set(fakes.row_status.values()) == {"cancelled"}


async def test_a_cancel_at_the_very_start_still_closes_every_row(temporal_client: Client) -> None:
    # Paused, then cancelled before the job's first status write has finished.
    fakes = FakeActivities(_ids(6), score_delay=0.5)
    async with fake_worker(temporal_client, fakes) as queue:
        handle = await _job(temporal_client, queue, window=2)
        await handle.signal(JobWorkflow.pause)
        await handle.cancel()
        async with asyncio.timeout(20):
            with contextlib.suppress(WorkflowFailureError):
                await handle.result()
        assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    assert fakes.job_status[-1] == "cancelled", fakes.job_status
    assert fakes.row_status == {n: "cancelled" for n in range(1, 7)}, fakes.row_status


async def test_a_run_of_a_retired_shape_fails_at_once_without_running_a_step(
    skipping_env: WorkflowEnvironment,
) -> None:
    # A run whose input has no steps_version would be steps version 1, retired (docs/architecture.md): it must
    # fail, not be run through another shape's steps, and call nothing.
    fakes = FakeActivities(_ids(1))
    async with fake_worker(skipping_env.client, fakes) as queue:
        handle = await skipping_env.client.start_workflow(
            EnrichmentWorkflow.run,
            EnrichmentInput(job_id="j", row_num=1, product_id="p0"),
            id=f"row-{uuid.uuid4().hex[:8]}",
            task_queue=queue,
        )
        try:
            await handle.result()
            raise AssertionError("a retired shape ran")
        except WorkflowFailureError as err:
            assert "steps version 1 is retired" in str(err.cause)
    assert fakes.attempt_fetches == [] and fakes.row_status == {}
