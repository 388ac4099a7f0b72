"""The fetch, claim and publish logic of the enrichment activities, against the in-memory stores of
tests/fakes/stores.py (the protocols of internal/enrichment/ports.py): no PostgreSQL, no Temporal server."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from temporalio.exceptions import ApplicationError

from internal.adapters.sources.base import SourceError
from internal.domain.attempt import RowAttempt
from internal.domain.models import ProductMeta, Review, ReviewPage, ReviewScore
from internal.domain.options import FeedbackPolicy
from internal.domain.reuse import ReviewClaim
from internal.enrichment import contracts, fetch_activities
from internal.enrichment.analyze import FeedbackActivities
from internal.enrichment.fetch_activities import FetchActivities
from tests.fakes.stores import MemoryStores

ROW = ("j1", 1)


@dataclass
class PagedSource:
    """`pages` pages of two reviews each; page numbers in `repeat_from` on hold reviews of the first page again."""

    pages: int
    name: str = "demo"
    repeat_from: int | None = None
    fail: Exception | None = None
    asked: list[str | None] = field(default_factory=list)

    async def fetch_page(self, product_id: str, cursor: str | None) -> ReviewPage:
        self.asked.append(cursor)
        if self.fail is not None:
            raise self.fail
        page = int(cursor or 0)
        ids = [0, 1] if self.repeat_from is not None and page >= self.repeat_from else [2 * page, 2 * page + 1]
        reviews = [Review(review_id=f"{product_id}-{i}", text="fine", rating=4.0) for i in ids]
        last = page + 1 >= self.pages
        return ReviewPage(reviews, ProductMeta(name="Kettle"), None if last else str(page + 1))


def attempt(budget: int, *, claim: bool = False, refresh: bool = False) -> contracts.FetchAttemptInput:
    return contracts.FetchAttemptInput(
        job_id="j1",
        row_num=1,
        product_id="p",
        source="demo",
        attempt=1,
        cursor=None,
        pages_fetched=0,
        page_budget=budget,
        claim=contracts.ClaimInput("j1", 1, "p", "demo", max_age_seconds=3600, refresh=refresh) if claim else None,
    )


async def test_a_fetch_attempt_reads_up_to_its_budget_and_counts_every_request() -> None:
    state, source = MemoryStores(), PagedSource(pages=5)
    result = await FetchActivities(state, {"demo": source}).fetch_attempt(attempt(3))
    assert (result.pages_fetched, result.next_cursor) == (3, "3")
    assert result.new_reviews == result.stored_reviews == 6
    assert state.reviews.requests[ROW] == 3
    assert state.rows.meta[ROW]["name"] == "Kettle"
    assert state.rows.status[ROW] == "running"
    assert state.products.claimed == []  # no claim asked for: none made


async def test_a_fetch_attempt_stops_when_the_source_runs_out() -> None:
    state = MemoryStores()
    result = await FetchActivities(state, {"demo": PagedSource(pages=2)}).fetch_attempt(attempt(10))
    assert (result.pages_fetched, result.next_cursor, result.stored_reviews) == (2, None, 4)


async def test_a_reused_product_sends_no_request() -> None:
    state, source = MemoryStores(), PagedSource(pages=5)
    stored = ReviewClaim(action="reuse", from_job="j0", fetched_at="2024-01-01T00:00:00", reviews=7, pages=4)
    state.products.answers = [stored]
    result = await FetchActivities(state, {"demo": source}).fetch_attempt(attempt(3, claim=True))
    assert result.claim == stored
    assert (result.pages_fetched, result.stored_reviews, result.new_reviews) == (4, 7, 0)
    assert source.asked == [] and ROW not in state.reviews.requests


async def test_a_claim_waits_while_another_row_fetches_then_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_activities, "CLAIM_WAIT_SECONDS", 0)
    state = MemoryStores()
    state.products.answers = [ReviewClaim(action="wait", holder_job="j0")] * 2
    result = await FetchActivities(state, {"demo": PagedSource(pages=1)}).fetch_attempt(attempt(3, claim=True))
    assert state.products.claimed == [ROW] * 3
    assert result.claim == ReviewClaim(action="fetch")
    assert result.pages_fetched == 1


async def test_a_refresh_stops_at_the_first_page_it_already_had() -> None:
    state, source = MemoryStores(), PagedSource(pages=9, repeat_from=2)
    state.products.answers = [ReviewClaim(action="refresh", from_job="j0", reviews=0)]
    result = await FetchActivities(state, {"demo": source}).fetch_attempt(attempt(9, claim=True, refresh=True))
    assert result.reached_known
    assert result.pages_fetched == 3  # pages 0 and 1 new, page 2 repeats page 0
    assert result.new_reviews == 4


async def test_a_refused_request_is_still_counted_and_retried() -> None:
    state = MemoryStores()
    source = PagedSource(pages=1, fail=SourceError("429", retry_after=2.0))
    with pytest.raises(ApplicationError) as raised:
        await FetchActivities(state, {"demo": source}).fetch_attempt(attempt(1))
    assert not raised.value.non_retryable
    assert raised.value.next_retry_delay is not None and raised.value.next_retry_delay.total_seconds() == 2.0
    assert state.reviews.requests[ROW] == 1


async def test_an_unknown_source_fails_the_row() -> None:
    with pytest.raises(ApplicationError) as raised:
        await FetchActivities(MemoryStores(), {}).fetch_attempt(attempt(1))
    assert raised.value.non_retryable


# ---- publish -------------------------------------------------------------------------------------------------------


def feedback(product_id: str = "p", *, more: bool = False) -> contracts.FeedbackInput:
    return contracts.FeedbackInput(
        job_id="j1",
        row_num=1,
        scorer_chain=["vader"],
        policy=FeedbackPolicy(),
        source="demo",
        row_attempt=RowAttempt(attempt=2, cursor="c7", pages_fetched=7, page_budget=8, source_exhausted=not more),
        final_attempt=True,
        product_id=product_id,
    )


async def scored(state: MemoryStores, n: int, sentiment: float) -> None:
    reviews = [Review(review_id=f"r{i}", text="ok", rating=4.0) for i in range(n)]
    await state.reviews.store_reviews("j1", 1, reviews)
    await state.reviews.store_scores(
        "j1", 1, [ReviewScore(r.review_id, sentiment, "positive", 0.9, "vader") for r in reviews]
    )


async def test_a_finished_row_publishes_where_its_fetch_stood() -> None:
    state = MemoryStores()
    await scored(state, 4, 0.5)
    out = await FeedbackActivities(state, None).analyze_feedback(feedback(more=True))
    assert out.action == "finish"
    [published] = state.products.published
    assert published["row"] == ROW and published["product"] == ("demo", "p")
    assert (published["cursor"], published["pages"], published["exhausted"]) == ("c7", 7, False)
    assert (published["attempt"], published["budget"]) == (2, 8)
    assert published["result"] is not None and published["result"]["review_count"] == 4
    # Fetched by the row itself: nothing said about reuse, and the outcome is written.
    assert out.sentiment is not None and out.sentiment["reused_from"] is None
    assert state.rows.status[ROW] == out.status and state.rows.results[ROW]["reason"] == out.reason


async def test_a_row_without_a_product_publishes_nothing() -> None:
    state = MemoryStores()
    await scored(state, 3, 0.5)
    await FeedbackActivities(state, None).analyze_feedback(feedback(product_id=""))
    assert state.products.published == []


async def test_a_reused_row_says_where_its_reviews_came_from() -> None:
    state = MemoryStores()
    await scored(state, 5, 0.5)
    state.products.reused[ROW] = {"mode": "reuse", "job_id": "j0", "fetched_at": "2024-01-01T00:00:00", "reviews": 5}
    out = await FeedbackActivities(state, None).analyze_feedback(feedback())
    assert out.sentiment is not None
    assert "reviews reused from job j0 fetched at 2024-01-01T00:00:00" in out.reason
    assert out.sentiment["reused_from"] == {"job_id": "j0", "fetched_at": "2024-01-01T00:00:00"}
    assert out.sentiment["new_reviews"] == 0
    assert out.sentiment["score_change"] is None  # a reuse did not move the score


async def test_a_refreshed_row_reports_its_new_reviews_and_the_score_change() -> None:
    state = MemoryStores()
    await scored(state, 6, 1.0)
    previous = {"score_5": 3.0}
    state.products.reused[ROW] = {
        "mode": "refresh",
        "job_id": "j0",
        "fetched_at": "2024-01-01T00:00:00",
        "reviews": 4,
        "previous": previous,
    }
    out = await FeedbackActivities(state, None).analyze_feedback(feedback())
    assert out.sentiment is not None
    assert out.sentiment["new_reviews"] == 2
    assert out.sentiment["score_change"] == round(out.sentiment["score_5"] - 3.0, 3) != 0
    assert "refreshed: 4 stored reviews from job j0" in out.reason


def test_the_fake_stores_satisfy_the_activities_protocols() -> None:
    # mypy checks the assignment; at run time it documents what the fakes stand for.
    from internal.enrichment.ports import EnrichmentStores

    state: EnrichmentStores = MemoryStores()
    assert asyncio.iscoroutinefunction(state.products.claim_reviews)


class _Unsure:
    """A scorer that is unsure of everything (neutral, confidence rising with the review's number)."""

    name = "lexical"

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        return [
            ReviewScore(
                review_id=r.review_id or "",
                sentiment=0.0,
                label="neutral",
                confidence=int(r.review_id or 0) / 100,
                scorer=self.name,
            )
            for r in reviews
        ]


class _Sure(_Unsure):
    name = "e5"

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        return [
            ReviewScore(review_id=r.review_id or "", sentiment=0.9, label="positive", confidence=0.9, scorer=self.name)
            for r in reviews
        ]


async def test_an_escalation_to_e5_rescores_only_the_least_sure_reviews_up_to_its_limit() -> None:
    from temporalio.testing import ActivityEnvironment

    from internal.domain.local_scorers import RESCORE_LIMIT
    from internal.enrichment.activities import EnrichmentActivities

    stores = MemoryStores()
    reviews = [Review(text=f"review {i}", review_id=f"{i:02d}") for i in range(30)]
    await stores.reviews.store_reviews("j1", 1, reviews)
    acts = EnrichmentActivities(stores, {}, {"lexical": _Unsure(), "e5": _Sure()})
    env = ActivityEnvironment()
    await env.run(acts.score_reviews, contracts.ScoreInput("j1", 1, "lexical", 1))
    done = await env.run(acts.score_reviews, contracts.ScoreInput("j1", 2 - 1, "e5", 2, only_uncertain_from="lexical"))
    limit = RESCORE_LIMIT["e5"]
    assert done.scored == limit < 30
    rescored = sorted(s.review_id for s in stores.reviews.scores[("j1", 1)] if s.scorer == "e5")
    assert rescored == [f"{i:02d}" for i in range(limit)]  # the least confident first
