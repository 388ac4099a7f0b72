"""Aggregation maths and the feedback rules, on hand-computed cases."""

from __future__ import annotations

import pytest

from internal.domain.aggregate import aggregate, stars_label, to_five
from internal.domain.feedback import FeedbackPolicy, better, decide
from internal.domain.models import Label, ProductSentiment, ReviewScore


def _s(i: int, sentiment: float, label: Label = "positive") -> ReviewScore:
    return ReviewScore(review_id=f"r{i}", sentiment=sentiment, label=label, confidence=0.8, scorer="vader")


def test_empty_input_has_no_mean_rather_than_zero() -> None:
    result = aggregate([], {})
    assert result.review_count == 0 and result.mean_sentiment is None and result.score_5 is None


def test_mean_score_and_interval_by_hand() -> None:
    scores = [_s(1, 0.5), _s(2, 0.7), _s(3, 0.9)]
    result = aggregate(scores, {})
    assert result.mean_sentiment == pytest.approx(0.7)
    assert result.score_5 == 4.4 and result.score_display == "4.40 / 5"
    # stdev 0.2, n 3, t(2) = 4.303: half width 0.4969
    assert result.ci95_low == pytest.approx(0.7 - 0.4969, abs=1e-3)
    assert result.ci95_high == pytest.approx(1.0)  # clipped to the scale
    assert result.label == "positive" and result.confidence == "low"  # fewer than 5 reviews


def test_single_review_has_no_interval() -> None:
    result = aggregate([_s(1, -0.6, "negative")], {"r1": 1.0})
    assert result.ci95_low is None and result.label == "negative" and result.mean_rating == 1.0


def test_agreement_between_text_and_stars() -> None:
    scores = [_s(1, 0.8), _s(2, 0.8), _s(3, -0.7, "negative"), _s(4, 0.1, "mixed")]
    ratings: dict[str, float | None] = {"r1": 5.0, "r2": 1.0, "r3": 1.0, "r4": 3.0}
    result = aggregate(scores, ratings)
    assert result.agreement == 0.75  # r2 contradicts its stars
    assert result.mean_rating == 2.5 and result.rating_count == 4
    assert aggregate(scores, {}).agreement is None


def test_scale_and_star_mapping() -> None:
    assert (to_five(-1.0), to_five(0.0), to_five(1.0)) == (1.0, 3.0, 5.0)
    assert [stars_label(r) for r in (1, 2, 3, 4, 5)] == ["negative", "negative", "neutral", "positive", "positive"]


def _sentiment(n: int, width: float = 0.2, uncertain: int = 0, agreement: float | None = None) -> ProductSentiment:
    return ProductSentiment(
        review_count=n,
        mean_sentiment=0.5,
        ci95_low=0.5 - width / 2,
        ci95_high=0.5 + width / 2,
        label_distribution={"positive": n - uncertain, "neutral": uncertain, "negative": 0, "mixed": 0},
        agreement=agreement,
        confidence="high",
    )


POLICY = FeedbackPolicy()


def test_no_reviews_finishes_or_reads_on() -> None:
    empty = ProductSentiment(review_count=0)
    assert decide(empty, has_more_pages=False, escalation_level=0, chain_length=1, policy=POLICY).status == "no_reviews"
    assert decide(empty, has_more_pages=True, escalation_level=0, chain_length=1, policy=POLICY).action == "fetch_more"


def test_too_few_reviews() -> None:
    few = _sentiment(3)
    more = decide(few, has_more_pages=True, escalation_level=0, chain_length=1, policy=POLICY)
    assert more.action == "fetch_more" and "only 3 reviews" in more.reason
    done = decide(few, has_more_pages=False, escalation_level=0, chain_length=1, policy=POLICY)
    assert (done.action, done.status) == ("finish", "low_confidence")


def test_weak_result_escalates_then_gives_up_with_the_failed_check() -> None:
    weak = _sentiment(20, width=0.9, uncertain=15, agreement=0.3)
    up = decide(weak, has_more_pages=False, escalation_level=0, chain_length=2, policy=POLICY)
    assert up.action == "escalate"
    end = decide(weak, has_more_pages=False, escalation_level=1, chain_length=2, policy=POLICY)
    assert (end.action, end.status) == ("finish", "low_confidence")
    assert "interval too wide" in end.reason and "neutral or mixed" in end.reason and "star ratings" in end.reason
    read_on = decide(weak, has_more_pages=True, escalation_level=0, chain_length=1, policy=POLICY)
    assert read_on.action == "fetch_more"


def test_good_result_succeeds() -> None:
    good = decide(_sentiment(30, agreement=0.9), has_more_pages=True, escalation_level=0, chain_length=3, policy=POLICY)
    assert (good.action, good.status) == ("finish", "succeeded")


def test_better_prefers_more_reviews_then_a_narrower_interval() -> None:
    a, b, c = _sentiment(10, width=0.5), _sentiment(20, width=0.9), _sentiment(20, width=0.3)
    assert better(a, b) is b and better(b, c) is c and better(c, b) is c and better(None, a) is a


def test_result_records_which_scorer_decided_each_review() -> None:
    strong = ReviewScore(review_id="r9", sentiment=-0.4, label="negative", confidence=0.9, scorer="gemini")
    result = aggregate([_s(1, 0.5), _s(2, 0.6), strong], {})
    assert result.decided_by == {"gemini": 1, "vader": 2}
    assert result.scorers == ["gemini", "vader"]
