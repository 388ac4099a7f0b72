"""VADER: the offline lexicon scorer (vaderSentiment ships its lexicon, so it works with no network).

Scored sentence by sentence: VADER's cost grows faster than linearly with text length (a 5 KB review took
~48 ms whole: docs/limits.md), and per-sentence scores let us see a review that praises one thing and damns
another — "mixed" rather than a lukewarm average.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from internal.domain.models import Label, Review, ReviewScore
from internal.domain.sentences import split_sentences

_CLEAR = 0.3  # a sentence this far from zero takes a side
# Batches smaller than this cost less than a thread hop.
_INLINE_BATCH = 8


__all__ = ["VaderScorer", "split_sentences"]


class VaderScorer:
    def __init__(self, name: str = "vader") -> None:
        # A second instance under another name stands in for a stronger scorer in escalation tests.
        self.name = name
        self._analyzer = SentimentIntensityAnalyzer()

    def score_text(self, text: str) -> tuple[float, Label, float]:
        sentences = split_sentences(text)
        scores = [(self._analyzer.polarity_scores(s)["compound"], max(len(s), 1)) for s in sentences]
        total = sum(w for _, w in scores)
        compound = sum(c * w for c, w in scores) / total
        positive = sum(w for c, w in scores if c >= _CLEAR)
        negative = sum(w for c, w in scores if c <= -_CLEAR)
        label: Label
        if positive and negative and min(positive, negative) / total >= 0.2:
            label = "mixed"
        elif compound >= 0.05:
            label = "positive"
        elif compound <= -0.05:
            label = "negative"
        else:
            label = "neutral"
        # Confident when the polarity is strong and the sentences do not pull against each other.
        disagreement = min(positive, negative) / total
        confidence = max(0.0, min(1.0, 0.35 + 0.65 * abs(compound) - disagreement))
        return round(compound, 4), label, round(confidence, 4)

    def _score_all(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        out = []
        for review in reviews:
            sentiment, label, confidence = self.score_text(review.text)
            out.append(
                ReviewScore(
                    review_id=review.review_id,
                    sentiment=sentiment,
                    label=label,
                    confidence=confidence,
                    scorer=self.name,
                )
            )
        return out

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        if len(reviews) <= _INLINE_BATCH:
            return self._score_all(reviews)
        # CPU-bound: keep the worker's event loop (and its heartbeats) responsive.
        return await asyncio.to_thread(self._score_all, reviews)
