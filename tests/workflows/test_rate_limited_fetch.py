"""A rate-limited source's pages (EnrichmentOptions.fetch_task_queue set): one FETCH_REVIEWS activity per page, on
the source's fetch queue, with the same page budget and cursor bookkeeping as the one-activity-per-attempt path."""

from __future__ import annotations

import uuid

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from internal.domain.options import EnrichmentOptions
from internal.enrichment import contracts
from internal.enrichment.workflow import EnrichmentResult
from tests.fakes.activities import FakeActivities
from tests.workflows.conftest import run_row


async def _row(env: WorkflowEnvironment, fakes: FakeActivities, options: EnrichmentOptions) -> EnrichmentResult:
    # The fetch queue's worker registers the one-page fetch only, as internal/app/worker.py's fetch workers do.
    fetch_queue = options.fetch_task_queue or f"unused-{uuid.uuid4().hex[:6]}.fetch.demo"
    async with Worker(env.client, task_queue=fetch_queue, activities=[fakes.fetch_reviews]):
        return await run_row(env, fakes, options)


async def test_limited_source_fetches_one_activity_per_page_on_its_queue(skipping_env: WorkflowEnvironment) -> None:
    fetch_queue = f"rl-{uuid.uuid4().hex[:6]}.fetch.demo"
    fakes = FakeActivities(["p0"], script=["fetch_more"])
    options = EnrichmentOptions(pages_per_attempt=3, fetch_task_queue=fetch_queue)
    result = await _row(skipping_env, fakes, options)
    assert (result.status, result.attempts) == ("succeeded", 2)
    # Attempt 1 reads pages 1-3, the weak result's attempt 2 reads on from the cursor to its budget of 6.
    assert fakes.page_fetches == [(fetch_queue, 1, n) for n in range(1, 7)]
    assert fakes.attempt_fetches == []


async def test_limited_fetch_stops_where_the_source_ends(skipping_env: WorkflowEnvironment) -> None:
    fetch_queue = f"rl-{uuid.uuid4().hex[:6]}.fetch.demo"
    fakes = FakeActivities(["p0"], script=["fetch_more", "fetch_more"], source_pages=4)
    result = await _row(skipping_env, fakes, EnrichmentOptions(pages_per_attempt=3, fetch_task_queue=fetch_queue))
    # Pages 1-3, then page 4 is the last: the third attempt has nothing left to fetch and only rescoring runs.
    assert [page for _, _, page in fakes.page_fetches] == [1, 2, 3, 4]
    assert result.attempts == 3 and fakes.attempt_fetches == []


async def test_unlimited_source_keeps_one_activity_per_attempt(skipping_env: WorkflowEnvironment) -> None:
    fakes = FakeActivities(["p0"], script=["fetch_more"])
    result = await _row(skipping_env, fakes, EnrichmentOptions(pages_per_attempt=3))
    assert result.attempts == 2
    assert fakes.attempt_fetches == [(1, 1), (1, 2)] and fakes.page_fetches == []


async def test_limited_source_claims_on_its_own_queue_and_a_reuse_reads_no_page(
    skipping_env: WorkflowEnvironment,
) -> None:
    fetch_queue = f"rl-{uuid.uuid4().hex[:6]}.fetch.demo"
    reused = contracts.ReviewClaim(
        action="reuse", from_job="j0", fetched_at="2026-12-01T10:00:00+00:00", reviews=9, pages=3
    )
    fakes = FakeActivities(["p0"], claims=[reused])
    options = EnrichmentOptions(pages_per_attempt=3, fetch_task_queue=fetch_queue, review_max_age=3600)
    result = await _row(skipping_env, fakes, options)
    assert result.status == "succeeded" and len(fakes.claimed) == 1
    assert fakes.page_fetches == [] and fakes.attempt_fetches == []  # no request token spent


async def test_a_limited_refresh_stops_at_the_first_page_with_a_stored_review(
    skipping_env: WorkflowEnvironment,
) -> None:
    fetch_queue = f"rl-{uuid.uuid4().hex[:6]}.fetch.demo"
    refresh = contracts.ReviewClaim(action="refresh", from_job="j0", fetched_at="2026-12-01T10:00:00+00:00", reviews=9)
    fakes = FakeActivities(["p0"], claims=[refresh], known_from_page=2)
    options = EnrichmentOptions(pages_per_attempt=3, fetch_task_queue=fetch_queue, refresh=True)
    await _row(skipping_env, fakes, options)
    assert [page for _, _, page in fakes.page_fetches] == [1, 2]
