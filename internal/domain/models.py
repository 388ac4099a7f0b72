"""Domain records: reviews, scores and the product-level sentiment.

Frozen dataclasses with JSON-friendly fields: Temporal's default converter serialises them, and the workflow
sandbox imports this module, so it holds no I/O and nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Label = Literal["positive", "neutral", "negative", "mixed"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative", "mixed")


@dataclass(frozen=True, slots=True)
class Review:
    review_id: str
    text: str
    rating: float | None = None  # stars, 1..5, when the source has them
    date: str | None = None
    source: str = "demo"


@dataclass(frozen=True, slots=True)
class ProductMeta:
    name: str | None = None
    price: float | None = None
    currency: str | None = None
    url: str | None = None
    rating_average: float | None = None
    rating_count: int | None = None


@dataclass(frozen=True, slots=True)
class RejectedReview:
    """A review a source sent that failed validation (internal/domain/review_validation.py): it goes to the
    dead-letter store with the source's own payload, never dropped silently."""

    reason: str
    message: str
    payload: dict[str, Any]
    review_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewPage:
    reviews: list[Review]
    meta: ProductMeta | None = None
    next_cursor: str | None = None  # None on the last page
    rejected: list[RejectedReview] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReviewScore:
    review_id: str
    sentiment: float  # -1 (very negative) .. 1 (very positive)
    label: Label
    confidence: float  # 0..1, the scorer's own certainty
    scorer: str


@dataclass(frozen=True)
class ProductSentiment:
    review_count: int
    mean_sentiment: float | None = None
    score_5: float | None = None  # mean sentiment mapped onto 1..5 stars
    score_display: str | None = None  # "3.96 / 5"
    label: Label | None = None
    label_distribution: dict[str, int] = field(default_factory=dict)
    mean_rating: float | None = None
    rating_count: int = 0
    agreement: float | None = None  # share of rated reviews whose text agrees with their stars
    ci95_low: float | None = None
    ci95_high: float | None = None
    confidence: Literal["high", "medium", "low"] | None = None
    scorers: list[str] = field(default_factory=list)
    # How many reviews each scorer had the final word on (escalation sends only the unsure ones onwards).
    decided_by: dict[str, int] = field(default_factory=dict)

    @property
    def ci_width(self) -> float | None:
        if self.ci95_low is None or self.ci95_high is None:
            return None
        return self.ci95_high - self.ci95_low

    @property
    def uncertain_share(self) -> float:
        n = sum(self.label_distribution.values())
        if n == 0:
            return 0.0
        return (self.label_distribution.get("neutral", 0) + self.label_distribution.get("mixed", 0)) / n
