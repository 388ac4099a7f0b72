"""A product's evidence: the most representative praise and complaint, verbatim, and its label distribution.

Representative of what many reviews say (internal/domain/quotes.py), not the most extreme sentence.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from internal.domain.aggregate import NEUTRAL_BAND, label_distribution
from internal.domain.corpus import Corpus
from internal.domain.quotes import Quote, Scored, pick, rank

# A sentence this far from zero praises or complains; nearer, it is description ("Arrived on Tuesday.").
CLEAR = 0.3
# Stars on the other side of 3 from the sentence mark sarcasm or a slip ("Just perfect." under one star).
_NEUTRAL_STARS = 3.0


@dataclass(frozen=True)
class Evidence:
    label_distribution: dict[str, int]  # positive / neutral / negative / mixed reviews
    praise: Quote | None = None
    complaint: Quote | None = None
    praise_reviews: int = 0  # reviews with at least one praising sentence
    complaint_reviews: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "praise": self.praise.to_dict() if self.praise else None,
            "complaint": self.complaint.to_dict() if self.complaint else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        praise, complaint = data.get("praise"), data.get("complaint")
        return cls(
            label_distribution=dict(data.get("label_distribution") or {}),
            praise=Quote.from_dict(praise) if praise else None,
            complaint=Quote.from_dict(complaint) if complaint else None,
            praise_reviews=int(data.get("praise_reviews") or 0),
            complaint_reviews=int(data.get("complaint_reviews") or 0),
        )


def find_evidence(corpus: Corpus) -> Evidence:
    praise, praised = _side(corpus, 1)
    complaint, complained = _side(corpus, -1)
    return Evidence(
        label_distribution=label_distribution(corpus.scores[r.review_id].label for r in corpus.reviews),
        praise=praise,
        complaint=complaint,
        praise_reviews=praised,
        complaint_reviews=complained,
    )


def _side(corpus: Corpus, sign: int) -> tuple[Quote | None, int]:
    candidates: list[Scored] = []
    for sentence in corpus.sentences:
        stars = sentence.review.rating
        if stars is not None and (stars - _NEUTRAL_STARS) * sign < 0:
            continue
        value = corpus.sentiment(sentence)
        # Praise that complains in the same breath ("Great price, although it feels cheap.") is neither.
        if value * sign >= CLEAR and not corpus.contradicts(sentence, sign, NEUTRAL_BAND):
            candidates.append((sentence, value))
    if not candidates:
        return None, 0
    chosen = pick(rank(candidates, statistics.fmean(v for _, v in candidates)), 1)
    return chosen[0], len({s.review.review_id for s, _ in candidates})
