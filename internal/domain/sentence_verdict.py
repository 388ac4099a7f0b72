"""From per-sentence sentiment to one review's verdict: sentiment, label (mixed included) and confidence.

Every sentence-level scorer (VADER, the lexical model, e5) uses this one rule, each with its own thresholds:
a review that praises one thing and damns another is "mixed" rather than a lukewarm average, and its confidence
drops by how much its sentences pull against each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from internal.domain.models import Label

# A side that holds at least this share of the (weighted) sentences makes the review mixed.
MIXED_SHARE = 0.2


@dataclass(frozen=True)
class Thresholds:
    """A scorer's own scale: where a sentence takes a side, where a review stops being neutral, and the
    sentiment at which confidence from strength alone is full (VADER's compound reaches 1; a model fit on human
    ratings rarely passes 0.7, so its thresholds are re-tuned by the build script, not copied from VADER's)."""

    clear: float
    neutral: float
    full: float = 1.0


def verdict(scores: Sequence[float], weights: Sequence[float], t: Thresholds) -> tuple[float, Label, float]:
    """(sentiment, label, confidence), rounded as stored. `weights` are positive, one per sentence."""
    total = float(sum(weights))
    sentiment = sum(s * w for s, w in zip(scores, weights, strict=True)) / total
    positive = sum(w for s, w in zip(scores, weights, strict=True) if s >= t.clear)
    negative = sum(w for s, w in zip(scores, weights, strict=True) if s <= -t.clear)
    disagreement = min(positive, negative) / total
    label: Label
    if positive and negative and disagreement >= MIXED_SHARE:
        label = "mixed"
    elif sentiment >= t.neutral:
        label = "positive"
    elif sentiment <= -t.neutral:
        label = "negative"
    else:
        label = "neutral"
    # Confident when the polarity is strong and the sentences do not pull against each other.
    strength = min(1.0, abs(sentiment) / t.full)
    confidence = max(0.0, min(1.0, 0.35 + 0.65 * strength - disagreement))
    return round(sentiment, 4), label, round(confidence, 4)
