"""From per-review scores to one product-level sentiment."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from internal.domain.models import LABELS, Label, ProductSentiment, ReviewScore

# Two-sided 95 % t quantiles for small samples; the normal 1.96 beyond.
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    12: 2.179,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
}


def _t95(df: int) -> float:
    if df > 30:
        return 1.96
    return _T95[max(k for k in _T95 if k <= df)]


# A mean this close to zero is neutral: the product label here, an aspect's side in internal/domain/aspects.py.
NEUTRAL_BAND = 0.05


def mean_interval(values: Sequence[float]) -> tuple[float | None, float | None]:
    """The 95 % interval of the mean of `values` (t quantiles for small samples), clipped to -1..1: the product
    score's interval, and each aspect's. No interval under two values."""
    n = len(values)
    if n < 2:
        return None, None
    mean = statistics.fmean(values)
    half = _t95(n - 1) * statistics.stdev(values) / math.sqrt(n)
    return round(max(-1.0, mean - half), 4), round(min(1.0, mean + half), 4)


def label_distribution(labels: Iterable[str]) -> dict[str, int]:
    """How many of each label, every label present (0 when none), in LABELS order."""
    counts = Counter(labels)
    return {lab: counts.get(lab, 0) for lab in LABELS}


def to_five(sentiment: float) -> float:
    """-1..1 onto the 1..5 star scale shoppers read."""
    return round(3.0 + 2.0 * sentiment, 2)


def stars_label(rating: float) -> Label:
    """What a star rating says: 4–5 positive, 1–2 negative, 3 (and in-between) neutral."""
    if rating >= 4:
        return "positive"
    if rating <= 2:
        return "negative"
    return "neutral"


def _agrees(label: Label, rating: float) -> bool:
    expected = stars_label(rating)
    if label == expected:
        return True
    # A mixed or neutral text under a middling rating is consistent; under 5 or 1 stars it is not.
    return label in ("mixed", "neutral") and expected == "neutral"


def _label_of(mean: float, dist: Mapping[str, int], n: int) -> Label:
    if n and dist["mixed"] / n >= 0.4:
        return "mixed"
    if mean >= NEUTRAL_BAND:
        return "positive"
    if mean <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def aggregate(scores: Sequence[ReviewScore], ratings: Mapping[str, float | None]) -> ProductSentiment:
    """Aggregate scores (one per review). No scores gives review_count 0 and no mean: never zeros averaged in."""
    n = len(scores)
    rated = [(s, ratings.get(s.review_id)) for s in scores]
    stars = [r for _, r in rated if r is not None]
    mean_rating = round(statistics.fmean(stars), 2) if stars else None
    if n == 0:
        return ProductSentiment(review_count=0, mean_rating=mean_rating, rating_count=len(stars))
    values = [s.sentiment for s in scores]
    mean = statistics.fmean(values)
    dist = label_distribution(s.label for s in scores)
    low, high = mean_interval(values)
    pairs = [(s.label, r) for s, r in rated if r is not None]
    agreement = round(sum(_agrees(lab, r) for lab, r in pairs) / len(pairs), 4) if pairs else None
    width = None if low is None or high is None else high - low
    if width is None or width > 0.6 or n < 5:
        confidence = "low"
    elif width > 0.3 or (agreement is not None and agreement < 0.7):
        confidence = "medium"
    else:
        confidence = "high"
    score = to_five(mean)
    return ProductSentiment(
        review_count=n,
        mean_sentiment=round(mean, 4),
        score_5=score,
        score_display=f"{score:.2f} / 5",
        label=_label_of(mean, dist, n),
        label_distribution=dist,
        mean_rating=mean_rating,
        rating_count=len(stars),
        agreement=agreement,
        ci95_low=low,
        ci95_high=high,
        confidence=confidence,  # type: ignore[arg-type]
        scorers=sorted({s.scorer for s in scores}),
        decided_by=dict(sorted(Counter(s.scorer for s in scores).items())),
    )
