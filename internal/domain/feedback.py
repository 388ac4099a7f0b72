"""The feedback rules: is a product's result good enough, and if not, what would make it better?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from internal.domain.models import ProductSentiment
from internal.domain.options import FeedbackPolicy

Action = Literal["finish", "fetch_more", "escalate"]
FinalStatus = Literal["succeeded", "low_confidence", "no_reviews"]
__all__ = ["Action", "FeedbackDecision", "FeedbackPolicy", "FinalStatus", "better", "decide", "weaknesses"]


@dataclass(frozen=True)
class FeedbackDecision:
    action: Action
    status: FinalStatus
    reason: str


def weaknesses(s: ProductSentiment, policy: FeedbackPolicy) -> list[str]:
    """Why a result with enough reviews is still not trustworthy (empty = it is)."""
    found = []
    width = s.ci_width
    if width is not None and width > policy.max_ci_width:
        found.append(f"sentiment interval too wide ({width:.2f} > {policy.max_ci_width:.2f})")
    if s.uncertain_share > policy.max_uncertain_share:
        found.append(f"{s.uncertain_share:.0%} of reviews neutral or mixed (> {policy.max_uncertain_share:.0%})")
    if s.agreement is not None and s.agreement < policy.min_agreement:
        found.append(f"text agrees with star ratings for only {s.agreement:.0%} (< {policy.min_agreement:.0%})")
    return found


def decide(
    s: ProductSentiment,
    *,
    has_more_pages: bool,
    escalation_level: int,
    chain_length: int,
    policy: FeedbackPolicy,
) -> FeedbackDecision:
    """Finish, or say which retry could help. The caller enforces the retry budget (max_retries)."""
    if s.review_count == 0:
        if has_more_pages:
            return FeedbackDecision("fetch_more", "no_reviews", "no reviews on the pages read yet; reading more")
        return FeedbackDecision("finish", "no_reviews", "the source has no reviews for this product")
    if s.review_count < policy.min_reviews:
        if has_more_pages:
            return FeedbackDecision(
                "fetch_more",
                "low_confidence",
                f"only {s.review_count} reviews (need {policy.min_reviews}); more pages exist",
            )
        return FeedbackDecision(
            "finish",
            "low_confidence",
            f"only {s.review_count} reviews (need {policy.min_reviews}); the source has no more",
        )
    weak = weaknesses(s, policy)
    if not weak:
        return FeedbackDecision("finish", "succeeded", f"{s.review_count} reviews, {s.confidence} confidence")
    if escalation_level + 1 < chain_length:
        return FeedbackDecision("escalate", "low_confidence", "; ".join(weak) + "; trying a stronger scorer")
    if has_more_pages:
        return FeedbackDecision("fetch_more", "low_confidence", "; ".join(weak) + "; reading more reviews")
    return FeedbackDecision("finish", "low_confidence", "; ".join(weak))


def better(a: ProductSentiment | None, b: ProductSentiment) -> ProductSentiment:
    """The more trustworthy of two results: more reviews, then a narrower interval."""
    if a is None:
        return b

    def key(s: ProductSentiment) -> tuple[int, float]:
        width = s.ci_width
        return (s.review_count, -(width if width is not None else 2.0))

    return b if key(b) >= key(a) else a
