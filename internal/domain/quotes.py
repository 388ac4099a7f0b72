"""Quotes: sentences taken verbatim from reviews, and how the representative ones are chosen.

Representative means what many of the candidate sentences say, in the words they say it, with the sentiment
they typically have: the sentence nearest the centroid of the candidates (their content words and aspects),
less a penalty for straying from the typical sentiment. The single most extreme sentence seldom wins.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from internal.domain.corpus import Sentence
from internal.domain.sentences import lemma, words

# How much a sentiment one unit away from the typical one costs against wording (cosine, 0..1).
_SENTIMENT_WEIGHT = 0.5
# A quote is read on a page and in a CSV cell: a few words at least, and not an essay, when any sentence is.
MIN_WORDS = 3
_MAX_CHARS = 300
# Two quotes sharing this share of their words (Jaccard) say the same thing in the same words.
_SAME_WORDING = 0.7


@dataclass(frozen=True, slots=True)
class Quote:
    text: str  # exactly review.text[start:start + len(text)]
    review_id: str
    start: int
    sentiment: float  # the sentence's, -1..1
    rating: float | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Quote:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


Scored = tuple[Sentence, float]  # a sentence and its sentiment


def quote(sentence: Sentence, sentiment: float) -> Quote:
    review = sentence.review
    return Quote(
        text=sentence.text,
        review_id=review.review_id,
        start=sentence.start,
        sentiment=round(sentiment, 4),
        rating=review.rating,
        date=review.date,
    )


def rank(candidates: Sequence[Scored], target: float) -> list[Scored]:
    """Candidates best first: leave-one-out cosine of each sentence's features with the sum of all candidates',
    minus the sentiment penalty; ties go to the shorter sentence, then review id and offset, so the order never
    depends on the input's. Quotable sentences (a few words, not an essay) come before the rest."""
    centroid: dict[str, float] = {}
    for sentence, _ in candidates:
        if sentence.features:
            weight = 1 / math.sqrt(len(sentence.features))
            for f in sentence.features:
                centroid[f] = centroid.get(f, 0.0) + weight
    norm = math.sqrt(math.fsum(v * v for v in centroid.values())) or 1.0
    keyed = []
    for sentence, value in candidates:
        features = sentence.features
        typical = 0.0
        if features:
            typical = (sum(centroid[f] for f in features) / math.sqrt(len(features)) - 1.0) / norm
        score = typical - _SENTIMENT_WEIGHT * abs(value - target)
        quotable = sentence.word_count >= MIN_WORDS and len(sentence.text) <= _MAX_CHARS
        key = (not quotable, -round(score, 9), len(sentence.text), sentence.review.review_id, sentence.start)
        keyed.append((key, (sentence, value)))
    keyed.sort(key=lambda kv: kv[0])
    return [item for _, item in keyed]


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    return a == b or len(a & b) >= _SAME_WORDING * len(a | b)


def pick(ranked: Sequence[Scored], count: int, taken: Sequence[Quote] = ()) -> list[Quote]:
    """The first `count` of `ranked` that add something: each from another review, none in nearly the words of
    one already taken (reviews pasted from one template, "The item is nice" / "The product is nice")."""
    out = list(taken)
    seen = [(q.review_id, frozenset(lemma(w) for w in words(q.text))) for q in taken]
    for sentence, value in ranked:
        if len(out) - len(taken) >= count:
            break
        review_id, wording = sentence.review.review_id, frozenset(w for c in sentence.clauses for w in c.lemmas)
        if not any(r == review_id or _alike(w, wording) for r, w in seen):
            out.append(quote(sentence, value))
            seen.append((review_id, wording))
    return out[len(taken) :]
