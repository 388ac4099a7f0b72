"""A product's reviews cut into sentences once, for its aspects and its evidence alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from internal.domain.aspect_vocabulary import match_aspects
from internal.domain.models import Review, ReviewScore
from internal.domain.sentences import STOPWORDS, lemma, sentence_spans, words

# A sentence's sentiment, -1..1: the caller passes its scorer's (VADER's compound, say), so this stays pure.
SentenceScorer = Callable[[str], float]


@dataclass(frozen=True, slots=True)
class Sentence:
    review: Review
    start: int  # offsets into review.text: the quote is review.text[start:end], verbatim
    end: int
    lemmas: tuple[str, ...]  # every word, in order
    terms: frozenset[str]  # the content words: what makes two sentences say the same thing
    aspects: tuple[str, ...]  # canonical aspects it names (internal/domain/aspect_vocabulary.py)

    @property
    def text(self) -> str:
        return self.review.text[self.start : self.end]

    @property
    def word_count(self) -> int:
        return len(self.lemmas)


def parse(review: Review, start: int, end: int) -> Sentence:
    lemmas = tuple(lemma(w) for w in words(review.text[start:end]))
    terms = frozenset(w for w in lemmas if len(w) > 2 and w.isalpha() and w not in STOPWORDS)
    return Sentence(review, start, end, lemmas, terms, match_aspects(lemmas))


def aspects_of(text: str) -> tuple[str, ...]:
    """The canonical aspects one sentence names: what the labelled set measures (bench/aspects_bench.py)."""
    return match_aspects(tuple(lemma(w) for w in words(text)))


class Corpus:
    """The reviews that have a score, in review-id order whatever order they came in (so the result does not
    depend on it), cut into sentences; sentence sentiments are scored on demand, each distinct text once.

    Without a sentence scorer every sentence takes its review's score: coarser (a mixed review's praise and its
    complaint share one number) but free."""

    def __init__(
        self,
        reviews: Iterable[Review],
        scores: Iterable[ReviewScore],
        score_sentence: SentenceScorer | None = None,
    ) -> None:
        self.scores: dict[str, ReviewScore] = {}
        for score in sorted(scores, key=lambda s: (s.review_id, s.scorer, s.sentiment)):
            self.scores.setdefault(score.review_id, score)
        unique: dict[str, Review] = {}
        for review in sorted(reviews, key=lambda r: (r.review_id, r.text)):
            if review.review_id in self.scores:
                unique.setdefault(review.review_id, review)
        self.reviews: tuple[Review, ...] = tuple(unique.values())
        self.sentences: tuple[Sentence, ...] = tuple(
            parse(review, start, end) for review in self.reviews for start, end in sentence_spans(review.text)
        )
        self._score_sentence = score_sentence
        self._cache: dict[str, float] = {}

    def sentiment(self, sentence: Sentence) -> float:
        if self._score_sentence is None:
            return self.scores[sentence.review.review_id].sentiment
        text = sentence.text
        value = self._cache.get(text)
        if value is None:
            value = self._cache[text] = max(-1.0, min(1.0, float(self._score_sentence(text))))
        return value
