"""The drop rule alerts fire on (internal/domain/sentiment_drop.py), on results aggregated the way rows are."""

from __future__ import annotations

import dataclasses

from internal.domain.aggregate import aggregate
from internal.domain.models import ReviewScore
from internal.domain.sentiment_drop import MIN_NEW_REVIEWS, SentimentPoint, sentiment_dropped


def _point(values: list[float]) -> SentimentPoint:
    scores = [ReviewScore(f"r{i}", v, "positive" if v > 0 else "negative", 0.9, "vader") for i, v in enumerate(values)]
    return SentimentPoint.from_result(dataclasses.asdict(aggregate(scores, {})))


GOOD = [0.8, 0.7, 0.9, 0.75, 0.85, 0.6, 0.8, 0.7, 0.9, 0.65]
BAD = [-0.7, -0.8, -0.6, -0.9, -0.75, -0.5, -0.85, -0.7]


def test_clearly_worse_new_reviews_fire() -> None:
    verdict = sentiment_dropped(_point(GOOD), _point(GOOD + BAD), new_reviews=len(BAD))
    assert verdict.dropped, verdict.reason
    assert verdict.change is not None and verdict.change < -0.5
    assert "wholly below" in verdict.reason


def test_a_change_within_noise_does_not_fire() -> None:
    # Eight new reviews a little less glowing: the mean moves, but the new interval still reaches the old mean.
    slightly = [0.6, 0.55, 0.7, 0.5, 0.65, 0.6, 0.7, 0.55]
    verdict = sentiment_dropped(_point(GOOD), _point(GOOD + slightly), new_reviews=len(slightly))
    assert not verdict.dropped
    assert verdict.change is not None and verdict.change < 0
    assert "within noise" in verdict.reason


def test_too_few_new_reviews_do_not_fire_however_bad() -> None:
    few = BAD[: MIN_NEW_REVIEWS - 1]
    previous, current = _point(GOOD[:3]), _point(few)
    assert current.ci95_high is not None and previous.mean is not None and current.ci95_high < previous.mean
    verdict = sentiment_dropped(previous, current, new_reviews=len(few))
    assert not verdict.dropped
    assert f"only {len(few)} new reviews" in verdict.reason


def test_a_rise_does_not_fire() -> None:
    assert not sentiment_dropped(_point(BAD), _point(BAD + GOOD), new_reviews=len(GOOD)).dropped


def test_missing_means_or_intervals_do_not_fire() -> None:
    none = SentimentPoint(None, None, None, 0)
    assert not sentiment_dropped(none, _point(BAD), new_reviews=8).dropped
    assert not sentiment_dropped(_point(GOOD), _point(BAD[:1]), new_reviews=8).dropped


def test_reads_a_stored_result() -> None:
    point = SentimentPoint.from_result({"mean_sentiment": 0.5, "ci95_low": 0.4, "ci95_high": 0.6, "review_count": 9})
    assert point == SentimentPoint(0.5, 0.4, 0.6, 9)
