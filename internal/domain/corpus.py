"""A product's reviews cut into sentences and clauses once, for its aspects and its evidence alike."""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from internal.domain.aspect_vocabulary import match_aspects
from internal.domain.models import Review, ReviewScore
from internal.domain.sentences import STOPWORDS, lemma, sentence_spans, words

# A sentence's sentiment, -1..1: the caller passes its scorer's (VADER's compound, say), so this stays pure.
SentenceScorer = Callable[[str], float]

# Where a sentence turns: "Love the design but the battery dies by noon." praises one aspect and faults the other.
_TURNS = re.compile(r",?\s+(?=(?:but|although|though|yet|however|whereas|except)\b)|;\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int  # offsets into the review's text
    end: int
    lemmas: tuple[str, ...]  # every word, in order
    aspects: tuple[str, ...]  # canonical aspects it names (internal/domain/aspect_vocabulary.py)


@dataclass(frozen=True, slots=True)
class Sentence:
    review: Review
    start: int  # offsets into review.text: the quote is review.text[start:end], verbatim
    end: int
    clauses: tuple[Clause, ...]
    terms: frozenset[str]  # the content words: what makes two sentences say the same thing
    aspects: tuple[str, ...]  # every aspect its clauses name, sorted
    # terms and "@aspect"s, sorted: what quotes.rank compares; sorted so sums over them do not follow hash order
    features: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.review.text[self.start : self.end]

    @property
    def word_count(self) -> int:
        return sum(len(c.lemmas) for c in self.clauses)


def _clause(text: str, start: int, end: int) -> Clause:
    lemmas = tuple(lemma(w) for w in words(text[start:end]))
    return Clause(start, end, lemmas, match_aspects(lemmas))


def parse(review: Review, start: int, end: int) -> Sentence:
    text = review.text
    spans, begin = [], start
    for turn in _TURNS.finditer(text, start, end):
        if begin < turn.start() and turn.end() < end:
            spans.append((begin, turn.start()))
            begin = turn.end()
    spans.append((begin, end))
    clauses = tuple(_clause(text, a, b) for a, b in spans)
    terms = frozenset(w for c in clauses for w in c.lemmas if len(w) > 2 and w.isalpha() and w not in STOPWORDS)
    aspects = tuple(sorted({a for c in clauses for a in c.aspects}))
    features = tuple(sorted(terms | {f"@{a}" for a in aspects}))
    return Sentence(review, start, end, clauses, terms, aspects, features)


def _moved(sentence: Sentence, review: Review, start: int) -> Sentence:
    """A sentence already parsed, found again (same text) in another review or place."""
    shift = start - sentence.start
    clauses = tuple(dataclasses.replace(c, start=c.start + shift, end=c.end + shift) for c in sentence.clauses)
    return dataclasses.replace(sentence, review=review, start=start, end=sentence.end + shift, clauses=clauses)


def aspects_of(text: str) -> tuple[str, ...]:
    """The canonical aspects one sentence names: what the labelled set measures (bench/aspects_bench.py)."""
    return parse(Review(review_id="", text=text), 0, len(text)).aspects


class Corpus:
    """The reviews that have a score, in review-id order whatever order they came in (so the result does not
    depend on it), cut into sentences; sentiments are scored on demand, each distinct text once.

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
        self._by_id = unique
        # Reviews repeat sentences ("Five stars.", templates, copies): each distinct one is parsed once.
        parsed: dict[str, Sentence] = {}
        sentences = []
        for review in self.reviews:
            for start, end in sentence_spans(review.text):
                seen = parsed.get(review.text[start:end])
                if seen is None:
                    seen = parsed[review.text[start:end]] = parse(review, start, end)
                # A sentence a review repeats is moved too: each occurrence keeps its own offsets.
                sentences.append(seen if seen.review is review and seen.start == start else _moved(seen, review, start))
        self.sentences: tuple[Sentence, ...] = tuple(sentences)
        self._score_sentence = score_sentence
        self._cache: dict[str, float] = {}

    def review(self, review_id: str) -> Review | None:
        """The review of that id, when it has a score."""
        return self._by_id.get(review_id)

    def _score(self, review: Review, start: int, end: int) -> float:
        if self._score_sentence is None:
            return self.scores[review.review_id].sentiment
        text = review.text[start:end]
        value = self._cache.get(text)
        if value is None:
            value = self._cache[text] = max(-1.0, min(1.0, float(self._score_sentence(text))))
        return value

    def sentiment(self, sentence: Sentence, where: Callable[[Clause], bool] | None = None) -> float:
        """The sentence's sentiment; with `where`, that of the clauses it picks (those naming an aspect), when it
        picks some but not all: what the sentence says about that aspect rather than about everything."""
        chosen = [c for c in sentence.clauses if where is not None and where(c)]
        if not chosen or len(chosen) == len(sentence.clauses):
            return self._score(sentence.review, sentence.start, sentence.end)
        return statistics.fmean(self._score(sentence.review, c.start, c.end) for c in chosen)

    def contradicts(self, sentence: Sentence, sign: int, band: float) -> bool:
        """Whether a clause of the sentence leans (beyond `band`) to the side opposite `sign`: praise that also
        complains."""
        if len(sentence.clauses) < 2:
            return False
        return any(self._score(sentence.review, c.start, c.end) * sign <= -band for c in sentence.clauses)
