"""When a product's sentiment has really dropped: the one rule alerts fire on (docs/alerts.md).

Monitoring tools that alert on a threshold or a spike page someone for noise: three grumpy reviews move a small
mean a long way. This rule fires only when the drop is beyond the new result's own uncertainty and enough new
reviews back it. Pure: the announce activity (internal/alerts/) and the tests call it with stored results.

A drop is significant when all of these hold:

1. both results have a mean sentiment, and the new one has a 95 % interval (two reviews or more);
2. at least MIN_NEW_REVIEWS reviews are new since the previous result;
3. the new result's whole 95 % interval lies below the previous mean (`ci95_high < previous mean`), by at
   least MIN_DROP on the -1..1 sentiment scale (so an interval that merely grazes the old mean does not page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Fewer new reviews than this never fire: a handful of reviews is an anecdote, not a trend.
MIN_NEW_REVIEWS = 5
# The new interval's top must be at least this far below the previous mean (sentiment -1..1; 0.05 ≈ 0.1 star).
MIN_DROP = 0.05


@dataclass(frozen=True)
class SentimentPoint:
    """A product result as stored: its mean sentiment (-1..1), 95 % interval, and how many reviews it was from."""

    mean: float | None
    ci95_low: float | None
    ci95_high: float | None
    review_count: int

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> SentimentPoint:
        """From a stored result (`job_rows.result`, RowResult.to_dict: the ProductSentiment fields flat)."""

        def num(key: str) -> float | None:
            value = result.get(key)
            return None if value is None else float(value)

        return cls(num("mean_sentiment"), num("ci95_low"), num("ci95_high"), int(result.get("review_count") or 0))


@dataclass(frozen=True)
class DropVerdict:
    dropped: bool
    reason: str  # why it fired or why not, in words (shown in the alert and in logs)
    change: float | None = None  # new mean - previous mean


def sentiment_dropped(previous: SentimentPoint, current: SentimentPoint, new_reviews: int) -> DropVerdict:
    """Did the sentiment drop significantly from `previous` to `current`, given `new_reviews` new reviews?"""
    if previous.mean is None or current.mean is None:
        return DropVerdict(False, "no previous or no new mean to compare")
    change = round(current.mean - previous.mean, 4)
    if current.ci95_high is None or current.ci95_low is None:
        return DropVerdict(False, "the new result has no interval (fewer than two reviews)", change)
    if new_reviews < MIN_NEW_REVIEWS:
        return DropVerdict(False, f"only {new_reviews} new reviews (an alert needs {MIN_NEW_REVIEWS})", change)
    interval = f"[{current.ci95_low:.3f}, {current.ci95_high:.3f}]"
    if current.ci95_high > previous.mean - MIN_DROP:
        return DropVerdict(
            False,
            f"the new 95 % interval {interval} does not lie {MIN_DROP} below the previous mean "
            f"{previous.mean:.3f}: "
            "within noise",
            change,
        )
    return DropVerdict(
        True,
        f"sentiment fell from {previous.mean:.3f} to {current.mean:.3f}: the new 95 % interval {interval} lies "
        f"wholly below the previous mean, over {new_reviews} new reviews",
        change,
    )
