"""SOURCE_RATE_LIMITS across worker processes: three real workers fetch one job's pages from a loopback reviews
API through the source's rate-limited fetch queue and the shared limiter; the fake API's own log of request times
is the measure. (A job of one-page products against the Walmart fake: bench/rate_limit_check.py, figures in
docs/sources.md.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import RateLimitSource
from temporalio.client import Client

from internal.app.state import StateManager
from internal.enrichment.limiter import paced_rate
from tests.fakes.reviews_api import API_KEY, FakeReviewsApi
from tests.fakes.server import serve_app
from tests.integration.cmd_harness import run_cmd
from tests.integration.rate_harness import (
    CLOCK_EDGE,
    busy_period,
    ceiling,
    describe_activity_queue,
    limited_workers,
    max_in_window,
    per_second,
    rate_over,
)

LIMIT = 8.0  # requests per second: the server's burst at 8 is 8 more in the first second of a busy period
PRODUCTS = 100
REVIEWS = 10  # two pages of five: 200 requests or more, 25 s at the limit
THROTTLED = ["once-throttle-a", "once-throttle-b"]  # a 429 with Retry-After: 3 on the first request


@pytest.mark.parametrize("script", ["worker.py", "server.py"])
def test_a_bad_limit_stops_the_process_naming_the_entry(script: str, tmp_path: Path) -> None:
    result = run_cmd(script, tmp_path, SOURCE_RATE_LIMITS="walmart=5,htp=20")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SOURCE_RATE_LIMITS: entry 'htp=20' names unknown source 'htp'" in result.stderr


async def test_a_worker_without_the_source_leaves_its_fetch_queue_alone(
    temporal_client: Client, db_url: str, tmp_path: Path
) -> None:
    # It could only fail the source's fetches (not configured here), so it must not take them from the queue.
    async with limited_workers(temporal_client, db_url, tmp_path, 1, source_rate_limits="walmart=5,demo=2") as workers:
        log = workers.procs[0].log_path.read_text()
        queue = workers.settings.temporal_task_queue
        async with asyncio.timeout(20):
            while not (demo := await describe_activity_queue(temporal_client, f"{queue}.fetch.demo")).pollers:
                await asyncio.sleep(0.2)
        walmart = await describe_activity_queue(temporal_client, f"{queue}.fetch.walmart")
    assert "SOURCE_RATE_LIMITS names walmart, which this worker has not configured (REVIEW_SOURCE=demo)" in log
    assert [p.rate_per_second for p in demo.pollers] == [pytest.approx(paced_rate(2.0))] and list(walmart.pollers) == []


@pytest.fixture
def reviews_api() -> Iterator[tuple[FakeReviewsApi, str]]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        yield fake, url


async def test_three_workers_keep_one_source_under_its_rate_limit(
    temporal_client: Client,
    state: StateManager,
    db_url: str,
    tmp_path: Path,
    reviews_api: tuple[FakeReviewsApi, str],
) -> None:
    fake, url = reviews_api
    products = [f"rl-{n}" for n in range(PRODUCTS)] + THROTTLED
    fake.catalog.update({p: REVIEWS for p in products})
    async with limited_workers(
        temporal_client,
        db_url,
        tmp_path,
        3,
        review_source="http",
        reviews_http_url=url + "/v1/products/{product_id}/reviews?cursor={cursor}",
        reviews_http_headers=json.dumps({"X-Api-Key": API_KEY}),
        reviews_http_mapping="simple",
        source_rate_limits=f"http={LIMIT:g}",
    ) as workers:
        job_id = await workers.run_job(state, products)
        fetch_queue = await describe_activity_queue(temporal_client, workers.fetch_queue)
    progress = await state.jobs.get_progress(job_id)
    assert progress.counts["succeeded"] + progress.counts["low_confidence"] == len(products), progress
    # The server applies the workers' rate to the fetch queue, which all three processes polled.
    assert fetch_queue.effective_rate_limit.requests_per_second == pytest.approx(paced_rate(LIMIT))
    assert fetch_queue.effective_rate_limit.rate_limit_source == RateLimitSource.RATE_LIMIT_SOURCE_WORKER
    assert len({poller.identity for poller in fetch_queue.pollers}) == 3

    times = [t for ts in fake.times.values() for t in ts]
    busiest = max_in_window(times, 1.0)
    served, seconds = busy_period(fake.times, LIMIT)
    busy, overall = served / seconds, rate_over(times)
    print(
        f"{len(times)} requests; busiest 1 s window: {busiest}, 5 s: {max_in_window(times, 5.0)}; rate "
        f"{busy:.2f}/s busy, {overall:.2f}/s first to last; per second: {per_second(times)}"
    )
    assert len(times) >= len(products) * 2 + len(THROTTLED)
    # A ceiling: never more than the limit in any second (the first second of the busy period included, where the
    # server's token buckets alone let twice the limit through), plus one for clock edges; nor over longer windows.
    assert busiest <= LIMIT + CLOCK_EDGE
    for window in (1.0, 2.0, 5.0, 10.0):
        assert max_in_window(times, window) <= ceiling(LIMIT, window), window
    # ... and the limit is used, not just respected: while the source is saturated, over the busiest 10 s, at least
    # 90 % of it. (Not over busy_period's whole span: under load its end reaches into the job's tail, where each
    # product's pages come one round trip after another and no limiter is the bottleneck; a loaded CI run measured
    # 7.05/s there with every second before the tail at 7 or 8.)
    sustained = max_in_window(times, 10.0) / 10.0
    assert sustained >= 0.9 * LIMIT, (sustained, busy)
    # A 429 still backs off for its Retry-After (3 s) before the page is asked for again.
    for product in THROTTLED:
        first, second = fake.times[product][:2]
        assert second - first >= 3.0, product
