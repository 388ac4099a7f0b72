"""What one product costs Temporal on the current steps version (EnrichmentWorkflow), read from real histories.

These are the figures docs/scaling.md bills from: if a change adds a round trip per product, a test here fails
before the benchmark has to notice.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from bench.histories import run_actions
from internal.adapters.scorers.base import Scorer
from internal.adapters.scorers.lexical import LexicalScorer
from internal.adapters.scorers.vader import VaderScorer
from internal.adapters.sources.demo import DemoSource
from internal.app.state import StateManager
from internal.domain.models import ReviewPage
from internal.enrichment import contracts
from internal.enrichment.activities import EnrichmentActivities
from internal.jobs.enricher import TemporalEnricher
from internal.jobs.workflow import child_workflow_id
from tests.integration.harness import new_job, running_worker, wait_until_done


async def _history_kinds(client: Client, workflow_id: str) -> tuple[Counter[str], list[str]]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    kinds: Counter[str] = Counter(EventType.Name(e.event_type) for e in history.events)
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    return kinds, scheduled


@pytest.mark.parametrize("scorer", ["vader", "lexical"])
async def test_first_attempt_product_costs_one_activity_and_two_workflow_tasks(
    temporal_client: Client, state: StateManager, scorer: str
) -> None:
    """VADER, and the lexical scorer from steps version 4: both score in process."""
    job_id = await new_job(state, ["pos-shape", "many-shape"], {"window": 2, "scorer_chain": [scorer]})
    queue = f"q-{uuid.uuid4().hex[:6]}"
    scorers: dict[str, Scorer] = {"vader": VaderScorer(), "lexical": LexicalScorer()}
    async with running_worker(temporal_client, state, task_queue=queue, scorers=scorers):
        await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
        await wait_until_done(state, job_id, client=temporal_client)
    rows = {r.product_id: r for r in await state.rows.get_results(job_id)}
    assert rows["pos-shape"].status == "succeeded"
    assert rows["pos-shape"].result is not None and rows["pos-shape"].result["scorers"] == [scorer]

    kinds, scheduled = await _history_kinds(temporal_client, child_workflow_id(job_id, 2))
    # One fetch for the attempt's pages; the scorer and feedback ran as local activities (markers, no tasks).
    assert scheduled == [contracts.FETCH_ATTEMPT]
    assert kinds["EVENT_TYPE_WORKFLOW_TASK_COMPLETED"] == 2
    assert kinds["EVENT_TYPE_MARKER_RECORDED"] >= 2
    history = await temporal_client.get_workflow_handle(child_workflow_id(job_id, 2)).fetch_history()
    cost = run_actions(history)
    # + 1: the parent's half of the child start. Docs/scaling.md: at most 4 for a first-attempt product.
    assert cost.actions + 1 <= 4, cost.by_kind

    # A product with 20 pages reads its 3-page budget in the same single activity per attempt.
    _, scheduled = await _history_kinds(temporal_client, child_workflow_id(job_id, 3))
    assert scheduled == [contracts.FETCH_ATTEMPT]


async def test_claiming_stored_reviews_costs_no_extra_action(temporal_client: Client, state: StateManager) -> None:
    """Reuse on (the default for new jobs): the claim rides in the fetch activity, so a product that fetches still
    costs at most 4 actions, and one that reuses the same (no page read, nothing scored again)."""
    queue = f"q-{uuid.uuid4().hex[:6]}"
    options: dict[str, object] = {"window": 2, "review_max_age": 3600}
    async with running_worker(temporal_client, state, task_queue=queue):
        jobs = [await new_job(state, ["pos-claim"], options), await new_job(state, ["pos-claim"], options)]
        for job_id in jobs:
            await TemporalEnricher(state, temporal_client, queue).enrich(job_id)
            await wait_until_done(state, job_id, client=temporal_client)
    fetched, reused = [(await state.rows.get_results(j))[0] for j in jobs]
    assert fetched.source_requests > 0 and reused.source_requests == 0 and reused.reused is not None
    for job_id in jobs:
        history = await temporal_client.get_workflow_handle(child_workflow_id(job_id, 2)).fetch_history()
        cost = run_actions(history)
        assert cost.actions + 1 <= 4, cost.by_kind
        _, scheduled = await _history_kinds(temporal_client, child_workflow_id(job_id, 2))
        assert scheduled == [contracts.FETCH_ATTEMPT]


class _CountingSource(DemoSource):
    def __init__(self) -> None:
        super().__init__()
        self.cursors: list[str | None] = []

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        self.cursors.append(cursor)
        return await super().fetch_page(product_id, cursor)


async def test_fetch_attempt_resumes_after_the_last_heartbeated_page(state: StateManager) -> None:
    job_id = await new_job(state, ["many-resume"])
    source = _CountingSource()
    acts = EnrichmentActivities(state, {"demo": source}, {"vader": VaderScorer()})
    first_page = await source.fetch_page("many-resume", None)
    source.cursors.clear()
    inp = contracts.FetchAttemptInput(
        job_id=job_id, row_num=2, product_id="many-resume", source="demo", attempt=1, cursor=None,
        pages_fetched=0, page_budget=3,
    )  # fmt: skip
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_details=[{"cursor": first_page.next_cursor, "pages": 1}])
    result = await env.run(acts.fetch_attempt, inp)
    # An earlier try stored page 1 and said so: this try reads pages 2 and 3 only.
    assert source.cursors == [first_page.next_cursor, source.cursors[1]]
    assert result.pages_fetched == 3 and result.next_cursor is not None

    fresh = await ActivityEnvironment().run(acts.fetch_attempt, inp)
    assert fresh.pages_fetched == 3
    assert source.cursors[2] is None, "without a heartbeat the attempt starts from its own cursor"
