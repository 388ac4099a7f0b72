"""Aspects an outside provider supplies (ASPECTS=comprehend|gemini), checked and summed by our own rules: pure.

What a provider may supply, and what is ours (docs/aspects.md, "Providers"):
- Comprehend names targets in each review with their offsets and a sentiment (`Mention`). We map each target to an
  aspect name (`normalise_target`), find the sentence it stands in, and compute N of M, the mean, the interval and
  the quotes from those sentences, with Comprehend's sentiments, as the offline analysis does with ours.
- Gemini names aspects, says how many reviews mention each and quotes reviews (`AspectClaim`). Each quote must be
  a verbatim part of the review it names; the mentions are recounted from the reviews with our matching (the
  model's count only checked), and the sentiment is ours. A claim that fails is dropped and counted by reason.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from internal.domain.aspect_vocabulary import match_aspects
from internal.domain.aspects import (
    DETERMINERS,
    GENERIC,
    MAX_ASPECTS,
    MAX_PHRASES,
    MODIFIERS,
    Aspect,
    AspectKind,
    least_mentions,
    least_phrase_mentions,
    names_aspect,
    ranked_aspects,
    summarise,
)
from internal.domain.corpus import Corpus, Sentence
from internal.domain.quotes import MIN_WORDS, Quote, Scored
from internal.domain.sentences import STOPWORDS, lemma, words

OFFLINE = "offline"
# A provider's name of more words than this (after "the", "my old" ...) is a description, not an aspect name.
_MAX_PHRASE_WORDS = 3
# Why a claim was dropped (AspectSource.dropped's keys).
QUOTE_NOT_VERBATIM = "quote_not_verbatim"  # not a part of the review it names, as written (or too short to say much)
NO_MENTIONS = "no_mentions"  # no review mentions the aspect when recounted
COUNT_INFLATED = "count_inflated"  # the claimed count exceeds the recount over the reviews the model was shown
UNUSABLE_NAME = "unusable_name"  # a pronoun, a generic noun or a sentence rather than an aspect name


@dataclass(frozen=True)
class Mention:
    """A target a provider found in a review (Comprehend's targeted sentiment): text[start:end], its sentiment."""

    review_id: str
    text: str
    start: int
    end: int
    sentiment: float  # -1..1


@dataclass(frozen=True)
class ClaimedQuote:
    review_id: str
    text: str


@dataclass(frozen=True)
class AspectClaim:
    """An aspect a model named: its name, how many reviews it says mention it, and its quotes."""

    name: str
    mentions: int
    quotes: tuple[ClaimedQuote, ...] = ()


@dataclass(frozen=True)
class ProviderAnswer:
    provider: str
    mentions: tuple[Mention, ...] = ()
    claims: tuple[AspectClaim, ...] = ()
    shown: frozenset[str] = frozenset()  # review ids the model read: the claimed counts are checked over these


@dataclass(frozen=True)
class AspectSource:
    """Where a product's aspects came from, stored with them: the provider, the claims dropped (by reason), and
    the error that made the aspects offline when a configured provider failed."""

    provider: str = OFFLINE
    dropped: dict[str, int] = field(default_factory=dict)
    provider_error: str | None = None

    @property
    def dropped_claims(self) -> int:
        return sum(self.dropped.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "dropped_claims": self.dropped_claims,
            "dropped": dict(sorted(self.dropped.items())),
            "provider_error": self.provider_error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AspectSource:
        return cls(
            provider=str(data.get("provider") or OFFLINE),
            dropped={str(k): int(v) for k, v in (data.get("dropped") or {}).items()},
            provider_error=data.get("provider_error"),
        )


def normalise_target(text: str) -> tuple[str, AspectKind] | None:
    """A provider's target or aspect name as ours: a canonical aspect when the vocabulary names one ("Battery",
    "value for money", "build quality"; when it names several, the one its last word names, else the first);
    otherwise its content words as lemmas ("the Zippers" -> "zipper", "water tank"), a phrase aspect. None for
    what names nothing we would show: pronouns and function words ("it", "I"), generic nouns (the product, people,
    time), or more than three words after its determiners and modifiers."""
    lemmas = tuple(lemma(w) for w in words(text))
    names = match_aspects(lemmas)
    if len(names) > 1 and len(head := match_aspects(lemmas[-1:])) == 1:
        names = head
    if names:
        return names[0], "vocabulary"
    skip = STOPWORDS | DETERMINERS | MODIFIERS
    lead = next((i for i, w in enumerate(lemmas) if w not in skip), len(lemmas))
    content = [w for w in lemmas if w not in skip]
    if not content or len(lemmas) - lead > _MAX_PHRASE_WORDS or content[-1] in GENERIC:
        return None
    if not all(w.isalpha() for w in content) or len("".join(content)) < 3:
        return None
    return " ".join(content), "phrase"


def _sentence_at(corpus: Corpus) -> dict[str, tuple[list[int], list[Sentence]]]:
    by_review: dict[str, tuple[list[int], list[Sentence]]] = {}
    for s in corpus.sentences:
        starts, sentences = by_review.setdefault(s.review.review_id, ([], []))
        starts.append(s.start)
        sentences.append(s)
    return by_review


def _locate(index: Mapping[str, tuple[list[int], list[Sentence]]], review_id: str, offset: int) -> Sentence | None:
    """The sentence of the review that holds `offset` (None: between sentences, or no such review)."""
    starts, sentences = index.get(review_id, ([], []))
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0 or offset >= sentences[i].end:
        return None
    return sentences[i]


def aspects_from_mentions(corpus: Corpus, mentions: Sequence[Mention]) -> tuple[list[Aspect], dict[str, int]]:
    """Comprehend's targets as aspects: each mention in the sentence that holds it, with its own sentiment (several
    in one sentence: their mean); the same thresholds as offline aspects. A mention whose text is not at its
    offsets nor anywhere in the review is dropped and counted."""
    index = _sentence_at(corpus)
    texts = {r.review_id: r.text for r in corpus.reviews}
    dropped: dict[str, int] = {}
    # aspect -> (review id, sentence start) -> the sentence and its mentions' sentiments
    found: dict[tuple[str, AspectKind], dict[tuple[str, int], tuple[Sentence, list[float]]]] = {}
    for m in sorted(mentions, key=lambda m: (m.review_id, m.start, m.text)):
        named = normalise_target(m.text)
        text = texts.get(m.review_id)
        if named is None or text is None:
            continue  # a pronoun or generic noun, or a review without a score: nothing of ours to place it in
        start = m.start if text[m.start : m.end] == m.text else text.find(m.text)
        sentence = _locate(index, m.review_id, start) if start >= 0 and m.text else None
        if sentence is None:
            dropped[QUOTE_NOT_VERBATIM] = dropped.get(QUOTE_NOT_VERBATIM, 0) + 1
            continue
        key = (m.review_id, sentence.start)
        found.setdefault(named, {}).setdefault(key, (sentence, []))[1].append(max(-1.0, min(1.0, m.sentiment)))
    total = len(corpus.reviews)
    aspects: list[Aspect] = []
    phrases: list[Aspect] = []
    for (name, kind), by_sentence in found.items():
        reviews = {review_id for review_id, _ in by_sentence}
        if len(reviews) < (least_mentions(total) if kind == "vocabulary" else least_phrase_mentions(total)):
            continue
        scored: list[Scored] = [
            (s, statistics.fmean(v)) for _, (s, v) in sorted(by_sentence.items(), key=lambda kv: kv[0])
        ]
        (aspects if kind == "vocabulary" else phrases).append(summarise(corpus, name, kind, scored))
    return ranked_aspects(aspects + ranked_aspects(phrases, MAX_PHRASES)), dropped


def _verified(corpus: Corpus, index: Mapping[str, tuple[list[int], list[Sentence]]], q: ClaimedQuote) -> Quote | None:
    """The quote as ours when it is a verbatim part of the review it names (and says a few words); else None."""
    review = corpus.review(q.review_id)
    text = q.text.strip()
    start = review.text.find(text) if review is not None and text else -1
    if review is None or start < 0 or len(words(text)) < MIN_WORDS:
        return None
    sentence = _locate(index, review.review_id, start)
    sentiment = corpus.sentiment(sentence) if sentence is not None else corpus.scores[review.review_id].sentiment
    return Quote(text, review.review_id, start, round(sentiment, 4), review.rating, review.date)


def aspects_from_claims(
    corpus: Corpus, claims: Sequence[AspectClaim], shown: frozenset[str]
) -> tuple[list[Aspect], dict[str, int]]:
    """A model's aspects, kept only as far as the reviews bear them out: its quotes that are verbatim; its
    mentions recounted (reviews with a sentence that names the aspect by our matching, or with a verified quote);
    an aspect with no mention left dropped, a count above the recount over the reviews it read counted."""
    dropped: dict[str, int] = {}

    def drop(reason: str, n: int = 1) -> None:
        if n:
            dropped[reason] = dropped.get(reason, 0) + n

    index = _sentence_at(corpus)
    merged: dict[tuple[str, AspectKind], tuple[int, list[Quote]]] = {}
    for claim in claims:
        verified = [_verified(corpus, index, q) for q in claim.quotes]
        drop(QUOTE_NOT_VERBATIM, sum(v is None for v in verified))
        named = normalise_target(claim.name)
        if named is None:
            drop(UNUSABLE_NAME)
            continue
        # Two names for one aspect ("Battery", "battery life"): one aspect, the larger claim.
        claimed, quotes = merged.get(named, (0, []))
        merged[named] = (max(claimed, claim.mentions), quotes + [v for v in verified if v is not None])
    aspects = []
    for (name, kind), (claimed, quotes) in sorted(merged.items(), key=lambda kv: kv[0]):
        names = names_aspect(name, kind)
        sentences = {(s.review.review_id, s.start): s for s in corpus.sentences if any(names(c) for c in s.clauses)}
        for q in quotes:
            if (s := _locate(index, q.review_id, q.start)) is not None:
                sentences[(q.review_id, s.start)] = s
        if not sentences:
            drop(NO_MENTIONS)
            continue
        scored: list[Scored] = [
            (s, corpus.sentiment(s, names)) for _, s in sorted(sentences.items(), key=lambda kv: kv[0])
        ]
        if claimed > len({review_id for review_id, _ in sentences} & shown):
            drop(COUNT_INFLATED)
        aspects.append(summarise(corpus, name, kind, scored, _one_per_review(quotes)))
    return ranked_aspects(aspects, MAX_ASPECTS), dropped


def _one_per_review(quotes: list[Quote]) -> list[Quote]:
    seen: dict[str, Quote] = {}
    for q in quotes:
        seen.setdefault(q.review_id, q)
    return list(seen.values())


def provided_aspects(corpus: Corpus, answer: ProviderAnswer) -> tuple[list[Aspect], AspectSource]:
    if answer.claims:
        aspects, dropped = aspects_from_claims(corpus, answer.claims, answer.shown)
    else:
        aspects, dropped = aspects_from_mentions(corpus, answer.mentions)
    return aspects, AspectSource(provider=answer.provider, dropped=dropped)
