"""One behavioural suite over the enricher facade, run against its production implementation (TemporalEnricher)
and against the benchmark's in-process baseline (bench/channel_enricher.py): both must give the same per-row
results for the same job (fresh products: the baseline never reuses stored reviews), and the same facade errors.
This keeps the facade honest (nothing Temporal-specific in it) and the baseline a fair one for
`make bench-enrichers`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client

from bench.channel_enricher import ChannelEnricher
from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.enrichment.activities import EnrichmentActivities
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.facade import Enricher, InvalidJobState
from internal.ledger.jobs import JobNotFound
from tests.integration.harness import new_job, running_worker, wait_until_done

PRODUCTS = [
    "pos-e1",
    "neg-e2",
    "mixed-e3",
    "few-e4",
    "none-e5",
    "notfound-e6",
    "sparse-e7",
    "weak-e8",
    "flaky-e9",
    "pos-e1",
    "plain-e10",
    "plain-e11",
    "plain-e12",
]
CHAIN = ["vader", "vader-strong"]
OPTIONS: dict[str, Any] = {"window": 5, "pages_per_attempt": 1, "max_retries": 3, "scorer_chain": CHAIN}


@pytest_asyncio.fixture(params=["temporal", "channel"], loop_scope="session")
async def enricher(
    request: pytest.FixtureRequest, temporal_client: Client, state: StateManager
) -> AsyncIterator[Enricher]:
    scorers = {name: VaderScorer(name) for name in CHAIN}
    if request.param == "channel":
        channel = ChannelEnricher(state, EnrichmentActivities(state, {"demo": DemoSource()}, scorers))
        yield channel
        await channel.close()
        return
    queue = f"q-{uuid.uuid4().hex[:6]}"
    async with running_worker(temporal_client, state, task_queue=queue, scorers=scorers):
        yield TemporalEnricher(state, temporal_client, queue)


def _outcome(row: Any) -> tuple[Any, ...]:
    result = row.result or {}
    return (
        row.row_num,
        row.product_id,
        row.status,
        row.reason,
        row.attempt if row.status != "duplicate" else None,
        result.get("review_count"),
        result.get("mean_sentiment"),
        result.get("label"),
    )


async def test_same_job_same_results(enricher: Enricher, state: StateManager, temporal_client: Client) -> None:
    job_id = await new_job(state, PRODUCTS, OPTIONS)
    await enricher.enrich(job_id)
    await wait_until_done(state, job_id, client=temporal_client if isinstance(enricher, TemporalEnricher) else None)
    rows = await state.rows.get_results(job_id, limit=100)
    progress = await enricher.get_progress(job_id)
    assert progress.status == "completed" and progress.percent == 100.0
    assert sum(progress.counts.values()) == progress.total == len(PRODUCTS)
    by_product = {r.product_id: r for r in rows if r.status != "duplicate"}
    assert by_product["notfound-e6"].status == "failed"
    assert by_product["none-e5"].status == "no_reviews"
    assert by_product["sparse-e7"].attempt == 2
    assert by_product["flaky-e9"].status == "succeeded"
    assert [r.status for r in rows if r.product_id == "pos-e1"] == ["succeeded", "duplicate"]
    # Compare with the other enricher's run of the same job, recorded by whichever ran first.
    outcomes = [_outcome(r) for r in rows]
    reference = EXPECTED.setdefault("outcomes", outcomes)
    assert outcomes == reference


EXPECTED: dict[str, Any] = {}


async def test_facade_errors(enricher: Enricher, state: StateManager) -> None:
    with pytest.raises(JobNotFound):
        await enricher.get_progress("no-such-job")
    job_id = await new_job(state, ["pos-x"], OPTIONS)
    with pytest.raises(InvalidJobState):
        await enricher.resume(job_id)  # never started, not paused
    await enricher.cancel(job_id)  # cancelling a job that never started closes its rows
    progress = await enricher.get_progress(job_id)
    assert progress.status == "cancelled" and progress.counts["cancelled"] == 1
    with pytest.raises(InvalidJobState):
        await enricher.cancel(job_id)
    with pytest.raises(InvalidJobState):
        await enricher.enrich(job_id)
