"""Job options, the row's retry rule and feedback settling: the domain rules both enrichers share."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from internal.domain.attempt import RowAttempt, next_attempt
from internal.domain.models import ReviewScore
from internal.domain.options import (
    EnrichmentOptions,
    FeedbackPolicy,
    InvalidOptions,
    JobRunOptions,
    resolve_job_options,
)
from internal.domain.settle import RowResult, settle
from internal.http.schemas import JobOptions, PolicyOptions


def test_stored_options_parse_once_with_defaults_for_what_is_left_out() -> None:
    run = JobRunOptions.from_stored({"window": 7, "scorer_chain": ["vader", "gemini"], "policy": {"min_reviews": 2}})
    assert run.window == 7 and run.page_size == JobRunOptions().page_size
    assert run.enrichment.scorer_chain == ("vader", "gemini")
    assert run.enrichment.policy == FeedbackPolicy(min_reviews=2)
    assert run.enrichment.pages_per_attempt == EnrichmentOptions().pages_per_attempt
    assert JobRunOptions.from_stored({}) == JobRunOptions()


def test_unknown_options_are_named() -> None:
    with pytest.raises(InvalidOptions, match="unknown feedback policy option"):
        JobRunOptions.from_stored({"policy": {"strictness": 1}})
    with pytest.raises(InvalidOptions, match="colour"):
        JobRunOptions.from_stored({"colour": "red"})


def test_the_api_schema_takes_its_defaults_from_the_domain() -> None:
    assert FeedbackPolicy(**PolicyOptions().model_dump()) == FeedbackPolicy()
    stored = resolve_job_options(
        JobOptions(max_retries=2).as_dict(),
        {"source": "demo", "scorer_chain": ["vader"]},
        sources=["demo"],
        scorers=["vader"],
    )
    assert stored == {"source": "demo", "scorer_chain": ["vader"], "max_retries": 2}


def test_unconfigured_adapters_are_refused_field_by_field() -> None:
    with pytest.raises(InvalidOptions) as err:
        resolve_job_options(
            {"source": "walmart", "scorer_chain": ["vader", "gemini"]}, {}, sources=["demo"], scorers=["vader"]
        )
    assert [p["field"] for p in err.value.problems] == ["options.source", "options.scorer_chain"]


def test_next_attempt_reads_on_or_escalates() -> None:
    first = RowAttempt()
    assert first.budget_for(3) == 3 and first.wants_pages(3)
    read = first.fetched("c3", 3, 3)
    assert (read.cursor, read.pages_fetched, read.page_budget, read.source_exhausted) == ("c3", 3, 3, False)
    assert not read.wants_pages(3)
    more = next_attempt(read, "fetch_more", {"review_count": 1}, 3)
    assert (more.attempt, more.page_budget, more.escalation_level, more.best) == (2, 6, 0, {"review_count": 1})
    assert more.wants_pages(3)
    up = next_attempt(more, "escalate", None, 3)
    assert (up.attempt, up.page_budget, up.escalation_level) == (3, 6, 1)
    assert not first.fetched(None, 1, 3).wants_pages(3)  # the source ran out


def test_the_scorer_follows_the_escalation() -> None:
    opts = EnrichmentOptions(scorer_chain=("vader", "comprehend", "gemini"))
    assert [opts.scorer_at(i) for i in range(4)] == ["vader", "comprehend", "gemini", "gemini"]
    assert [opts.rescore_from(i) for i in range(3)] == [None, "vader", "comprehend"]


@dataclasses.dataclass(frozen=True)
class _Review:
    review_id: str
    rating: float | None


def _reviews(n: int, sentiment: float) -> list[tuple[_Review, list[ReviewScore]]]:
    return [
        (_Review(f"r{i}", 5.0), [ReviewScore(f"r{i}", sentiment + (i % 3) * 0.01, "positive", 0.9, "vader")])
        for i in range(n)
    ]


def _settle(reviews: Any, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "scorer_chain": ["vader"],
        "policy": FeedbackPolicy(),
        "escalation_level": 0,
        "has_more_pages": True,
        "best": None,
        "attempt": 1,
        "final_attempt": False,
        "source": "demo",
        "meta": {"name": "Kettle"},
    }
    return settle(reviews, **(args | kw))


def test_settle_finishes_a_good_row_with_a_typed_result() -> None:
    done = _settle(_reviews(30, 0.8))
    assert done.action == "finish" and done.result is not None
    assert done.result.status == "succeeded" and done.result.sentiment.review_count == 30
    stored = done.result.to_dict()
    assert stored["attempts"] == 1 and stored["meta"] == {"name": "Kettle"} and stored["review_count"] == 30
    assert RowResult.from_dict(stored) == done.result


def test_settle_reads_on_then_gives_up_at_the_last_attempt_with_the_best_result() -> None:
    few = _settle(_reviews(2, 0.8))
    assert few.action == "fetch_more" and few.result is None and few.best.review_count == 2
    last = _settle(_reviews(3, 0.8), best=_settle(_reviews(4, 0.8)).best, attempt=3, final_attempt=True)
    assert last.action == "finish" and last.result is not None
    assert last.result.status == "low_confidence" and "gave up after 3 attempts" in last.result.reason
    assert last.result.sentiment.review_count == 4  # the best so far, not the last attempt's


def test_a_score_on_part_of_the_reviews_says_it_rests_on_a_sample() -> None:
    # The report: a product with 400 reviews scored on 60 (three pages of 20), and the page said "60 reviews".
    done = _settle(_reviews(60, 0.8), meta={"name": "Kettle", "rating_count": 400}, pages=3)
    assert done.result is not None and done.result.reviews_available == 400
    assert done.result.sentiment.review_count == 60
    assert (
        done.result.reason == "60 reviews, high confidence; scored on 60 of 400 reviews (a sample: the first 3 pages)"
    )
    stored = done.result.to_dict()
    assert (stored["review_count"], stored["reviews_available"], stored["demo_data"]) == (60, 400, True)
    assert RowResult.from_dict(stored) == done.result
    # Everything the source has was scored: nothing to add.
    whole = _settle(_reviews(30, 0.8), meta={"rating_count": 30}, has_more_pages=False, pages=2)
    assert whole.result is not None and whole.result.reason == "30 reviews, high confidence"
    # More pages exist but the source gives no total: still a sample, said as such.
    unknown = _settle(_reviews(30, 0.8), meta=None, source="http", pages=1)
    assert unknown.result is not None and unknown.result.reviews_available is None
    assert unknown.result.reason.endswith(
        "scored on 30 reviews, a sample (the first page; the source does not say how many it has)"
    )
    assert not unknown.result.demo_data and unknown.result.to_dict()["demo_data"] is False


def test_a_result_stored_before_reviews_available_existed_still_loads() -> None:
    old = _settle(_reviews(30, 0.8)).result.to_dict()
    del old["reviews_available"], old["demo_data"]
    loaded = RowResult.from_dict(old)
    assert loaded.reviews_available is None and loaded.sentiment.review_count == 30 and loaded.demo_data


def test_a_stored_result_is_taken_only_by_a_row_whose_chain_made_it() -> None:
    from internal.domain.reuse import ReviewClaim

    stored = ReviewClaim(action="reuse", escalation=1, attempt=2, result={"scorers": ["vader", "e5"], "score": 0.4})
    assert stored.for_chain(["vader", "e5"]) == stored
    assert stored.for_chain(["vader", "e5", "gemini"]) == stored
    assert stored.for_chain([]) == stored  # an input recorded before rows sent their chain
    other = stored.for_chain(["lexical", "e5"])
    assert (other.result, other.escalation, other.attempt) == (None, 0, 1)
    assert (other.action, other.pages, other.cursor) == (stored.action, stored.pages, stored.cursor)
    first_only = ReviewClaim(action="reuse", result={"scorers": ["vader"]})
    assert first_only.for_chain(["vader", "e5"]) == first_only
    assert first_only.for_chain(["lexical"]).result is None
    assert ReviewClaim(action="fetch").for_chain(["lexical"]) == ReviewClaim(action="fetch")
