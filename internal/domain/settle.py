"""Feedback as a pure step: from a row's reviews and scores to its decision and, once decided, its result.

The analyze_feedback activity reads what this needs from PostgreSQL, calls `settle`, and writes what it returns;
nothing here does I/O, so every rule of the feedback loop can be tested on plain values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from internal.domain.aggregate import aggregate
from internal.domain.feedback import Action, better, decide
from internal.domain.models import ProductSentiment, ReviewScore
from internal.domain.options import DEMO_SOURCE, FeedbackPolicy

_SENTIMENT_FIELDS = frozenset(f.name for f in dataclasses.fields(ProductSentiment))


class RatedReview(Protocol):
    @property
    def review_id(self) -> str: ...
    @property
    def rating(self) -> float | None: ...


class ScoredReview(Protocol):
    @property
    def review_id(self) -> str: ...
    @property
    def scorer(self) -> str: ...
    @property
    def sentiment(self) -> float: ...
    @property
    def label(self) -> str: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class RowResult:
    """A decided row's result as stored (`job_rows.result`), shown by the API and exported as CSV columns."""

    sentiment: ProductSentiment
    attempts: int
    source: str
    status: str
    reason: str
    meta: dict[str, Any] | None = None  # the product's facts from the source (name, price, url, ...)
    summary: str | None = None  # praise and complaints, when a summarising scorer is configured
    # Set when the row's reviews were reused or refreshed (internal/domain/reuse.py): the job and time they were
    # fetched, the change of score_5 since that result (refresh only), and reviews this row added to them.
    reused_from: dict[str, Any] | None = None
    score_change: float | None = None
    new_reviews: int | None = None
    # How many reviews the source says the product has (its reported total); sentiment.review_count is how many
    # were scored. None: the source does not say (or the result was stored before this field existed).
    reviews_available: int | None = None

    @property
    def demo_data(self) -> bool:
        """The reviews are invented (the demo source): every place that shows a result says so."""
        return self.source == DEMO_SOURCE

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON: the sentiment's fields flat, then how the row got there."""
        return {
            **dataclasses.asdict(self.sentiment),
            "attempts": self.attempts,
            "source": self.source,
            "status": self.status,
            "reason": self.reason,
            "meta": self.meta,
            "summary": self.summary,
            "reused_from": self.reused_from,
            "score_change": self.score_change,
            "new_reviews": self.new_reviews,
            "reviews_available": self.reviews_available,
            "demo_data": self.demo_data,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RowResult:
        """Read a stored result back. A row still running, or failed, stores only its best sentiment so far:
        what it lacks reads as empty (0 attempts, no source, status or reason)."""
        sentiment = {k: v for k, v in data.items() if k in _SENTIMENT_FIELDS}
        sentiment.setdefault("review_count", 0)
        return cls(
            sentiment=ProductSentiment(**sentiment),
            attempts=int(data.get("attempts") or 0),
            source=str(data.get("source") or ""),
            status=str(data.get("status") or ""),
            reason=str(data.get("reason") or ""),
            meta=data.get("meta"),
            summary=data.get("summary"),
            reused_from=data.get("reused_from"),
            score_change=data.get("score_change"),
            new_reviews=data.get("new_reviews"),
            reviews_available=data.get("reviews_available"),
        )


@dataclass(frozen=True)
class Settlement:
    action: Action
    reason: str
    best: ProductSentiment  # carried to the next attempt
    result: RowResult | None  # set when action == "finish"


def settle(
    reviews: Sequence[tuple[RatedReview, Sequence[ScoredReview]]],
    *,
    scorer_chain: Sequence[str],
    policy: FeedbackPolicy,
    escalation_level: int,
    has_more_pages: bool,
    best: ProductSentiment | None,
    attempt: int,
    final_attempt: bool,
    source: str,
    meta: dict[str, Any] | None,
    pages: int = 0,
) -> Settlement:
    """Aggregate the decisive scores, apply the feedback rules and the retry budget, and pick the result.

    `pages`: how many pages the row has read (0: unknown); with `has_more_pages` it tells a reason that the score
    rests on a sample."""
    ratings = {review.review_id: review.rating for review, _ in reviews}
    current = aggregate(decisive_scores(reviews, scorer_chain), ratings)
    kept = better(best, current)
    decision = decide(
        current,
        has_more_pages=has_more_pages,
        escalation_level=escalation_level,
        chain_length=len(scorer_chain),
        policy=policy,
    )
    action, status, reason = decision.action, decision.status, decision.reason
    if final_attempt and action != "finish":
        action, status = "finish", "no_reviews" if kept.review_count == 0 else "low_confidence"
        reason = f"{reason}; gave up after {attempt} attempts (max_retries), kept the best result"
    if action != "finish":
        return Settlement(action=action, reason=reason, best=kept, result=None)
    chosen = kept if status == "low_confidence" else current
    available = reported_total(meta)
    sample = sample_note(chosen.review_count, available, more_pages=has_more_pages, pages=pages)
    if sample:
        reason = f"{reason}; {sample}"
    result = RowResult(
        sentiment=chosen,
        attempts=attempt,
        source=source,
        status=status,
        reason=reason,
        meta=meta,
        reviews_available=available,
    )
    return Settlement(action=action, reason=reason, best=kept, result=result)


def reported_total(meta: Mapping[str, Any] | None) -> int | None:
    """How many reviews the source says the product has: ProductMeta.rating_count, which each source fills from its
    reported total (docs/sources.md)."""
    total = (meta or {}).get("rating_count")
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


def sample_note(scored: int, available: int | None, *, more_pages: bool, pages: int) -> str | None:
    """What a reason adds when the score rests on part of the product's reviews: "scored on 60 of 400 reviews (a
    sample: the first 3 pages)". None when nothing was scored, or all the source has was."""
    if scored == 0:
        return None
    read = "the first page" if pages == 1 else f"the first {pages} pages" if pages > 1 else "the pages read"
    if available is not None and scored < available:
        return f"scored on {scored} of {available} reviews" + (f" (a sample: {read})" if more_pages else "")
    if available is None and more_pages:
        return f"scored on {scored} reviews, a sample ({read}; the source does not say how many it has)"
    return None


def decisive_scores(
    reviews: Sequence[tuple[RatedReview, Sequence[ScoredReview]]], chain: Sequence[str]
) -> list[ReviewScore]:
    """Per review, the verdict of the strongest scorer in the chain that saw it (later in the chain = stronger)."""
    rank = {name: i for i, name in enumerate(chain)}
    out: list[ReviewScore] = []
    for _review, scores in reviews:
        known = [s for s in scores if s.scorer in rank]
        if not known:
            continue
        s = max(known, key=lambda sc: rank[sc.scorer])
        out.append(
            ReviewScore(
                review_id=s.review_id,
                sentiment=s.sentiment,
                label=s.label,  # type: ignore[arg-type]
                confidence=s.confidence,
                scorer=s.scorer,
            )
        )
    return out
