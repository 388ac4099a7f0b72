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
from internal.domain.sentence_verdict import Thresholds, verdict
from internal.domain.sentences import split_sentences

# A sentence this far from zero takes a side; a review this far is not neutral.
_THRESHOLDS = Thresholds(clear=0.3, neutral=0.05)
# Batches smaller than this cost less than a thread hop.
_INLINE_BATCH = 8


class VaderScorer:
    def __init__(self, name: str = "vader") -> None:
        # A second instance under another name stands in for a stronger scorer in escalation tests.
        self.name = name
        self._analyzer = SentimentIntensityAnalyzer()

    def score_text(self, text: str) -> tuple[float, Label, float]:
        sentences = split_sentences(text)
        scores = [self._analyzer.polarity_scores(s)["compound"] for s in sentences]
        return verdict(scores, [max(len(s), 1) for s in sentences], _THRESHOLDS)

    def score_sentence(self, text: str) -> float:
        """One sentence's compound score, -1..1 (what a product's findings quote and weigh)."""
        return float(self._analyzer.polarity_scores(text)["compound"])

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
