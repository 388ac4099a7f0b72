"""What a product's reviews talk about: aspects, how many reviews mention each, their sentiment and the quotes
behind it. Pure and deterministic (docs/aspects.md).

Two kinds of aspect:
- vocabulary: one of the canonical aspects (internal/domain/aspect_vocabulary.py), the same name in every
  product of every job, so products can be compared aspect by aspect;
- phrase: a noun the vocabulary does not know that many of this product's reviews name after "the", "my", "its"
  ... ("the lid", "the zipper"), named by its singular lemma so "zippers" and "zipper" in two products agree.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from internal.domain.aggregate import NEUTRAL_BAND, mean_interval
from internal.domain.aspect_vocabulary import TERMS
from internal.domain.corpus import Clause, Corpus, Sentence
from internal.domain.quotes import Quote, Scored, pick, rank
from internal.domain.sentences import STOPWORDS, word_set

AspectKind = Literal["vocabulary", "phrase"]

MAX_ASPECTS = 15
_QUOTES = 2
# A side this large of an aspect's mentions gets the second quote, so a divided aspect shows both sides.
_MINORITY_SHARE = 0.25
# A phrase aspect needs this many reviews, and this share of them: a noun a few reviews happen to use is no theme.
_PHRASE_MIN_REVIEWS = 3
_PHRASE_MIN_SHARE = 0.05
MAX_PHRASES = 5

DETERMINERS = word_set("the this these those my its their our your his her")
# Words that follow a determiner without being the thing talked about.
MODIFIERS = word_set(
    """new old first second third last next other whole entire same only best worst good great bad little big
    small nice main actual previous original extra overall free full top real whole own exact"""
)
# Nouns too general to be an aspect: the product itself, people, time, places.
GENERIC = word_set(
    """product item gadget device unit purchase order time day week month year morning night kid child son
    daughter husband wife family friend mom dad mother father brand company amazon store shop review star
    rating home house office car way end rest side thing stuff model version gift birthday christmas job"""
)


@dataclass(frozen=True)
class Aspect:
    name: str
    kind: AspectKind
    mentions: int  # reviews that mention it (N of M)
    reviews: int  # reviews of the product that were looked at (M)
    mean_sentiment: float  # over the mentioning reviews, each its mentioning sentences' mean
    ci95_low: float | None  # the same interval as the product score's (internal/domain/aggregate.py)
    ci95_high: float | None
    positive: int  # mentioning reviews on each side of the neutral band
    neutral: int
    negative: int
    quotes: list[Quote]  # one or two, verbatim

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "quotes": [q.to_dict() for q in self.quotes]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Aspect:
        fields = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
        fields["quotes"] = [Quote.from_dict(q) for q in data.get("quotes") or []]
        return cls(**fields)


def least_mentions(total: int) -> int:
    """Mentioning reviews an aspect needs: two in a product of ten reviews or more (one review's remark is not what
    the reviews talk about), else one."""
    return 1 if total < 10 else 2


def least_phrase_mentions(total: int) -> int:
    """Mentioning reviews a phrase aspect needs: a noun a few reviews happen to use is no theme."""
    return max(_PHRASE_MIN_REVIEWS, math.ceil(_PHRASE_MIN_SHARE * total))


def find_aspects(corpus: Corpus, *, limit: int = MAX_ASPECTS) -> list[Aspect]:
    """The product's aspects, most mentioned first (then by name), with at least `least_mentions`."""
    least = least_mentions(len(corpus.reviews))
    found: dict[tuple[str, AspectKind], dict[str, list[Sentence]]] = {}
    for sentence in corpus.sentences:
        for name in sentence.aspects:
            found.setdefault((name, "vocabulary"), {}).setdefault(sentence.review.review_id, []).append(sentence)
    for name, by_review in _phrases(corpus).items():
        found[(name, "phrase")] = by_review
    aspects = [
        _aspect(corpus, name, kind, by_review) for (name, kind), by_review in found.items() if len(by_review) >= least
    ]
    return ranked_aspects(aspects, limit)


def ranked_aspects(aspects: list[Aspect], limit: int = MAX_ASPECTS) -> list[Aspect]:
    return sorted(aspects, key=lambda a: (-a.mentions, a.name))[:limit]


def names_aspect(name: str, kind: AspectKind) -> Callable[[Clause], bool]:
    """Whether a clause names an aspect a provider named: one of its vocabulary terms, or the phrase's lemmas in a
    row, wherever they stand (a provider's phrase need not follow "the")."""
    if kind == "vocabulary":
        return lambda clause: name in clause.aspects
    words = tuple(name.split())
    n = len(words)
    return lambda clause: any(clause.lemmas[i : i + n] == words for i in range(len(clause.lemmas) - n + 1))


def _aspect(corpus: Corpus, name: str, kind: AspectKind, by_review: dict[str, list[Sentence]]) -> Aspect:
    # What each sentence says about this aspect: its clauses that name it, when it has other clauses too.
    names = names_aspect(name, kind) if kind == "vocabulary" else _heads_name(name)
    scored: list[Scored] = [
        (s, corpus.sentiment(s, names)) for review_id in sorted(by_review) for s in by_review[review_id]
    ]
    return summarise(corpus, name, kind, scored)


def summarise(
    corpus: Corpus, name: str, kind: AspectKind, scored: list[Scored], quotes: Sequence[Quote] = ()
) -> Aspect:
    """An aspect from its sentences and what each says of it: N of M, mean, interval, sides, and quotes (`quotes`
    first, when given: a provider's verified ones; then the most representative sentences)."""
    per_review: dict[str, list[float]] = {}
    for sentence, value in scored:
        per_review.setdefault(sentence.review.review_id, []).append(value)
    values = [statistics.fmean(v) for _, v in sorted(per_review.items())]
    mean = statistics.fmean(values)
    low, high = mean_interval(values)
    positive = sum(v >= NEUTRAL_BAND for v in values)
    negative = sum(v <= -NEUTRAL_BAND for v in values)
    ranked = rank(scored, mean)
    chosen = list(quotes[:_QUOTES]) or pick(ranked, 1)
    # The second quote: the other side when enough reviews take it, else the next most typical sentence.
    minority = -1 if positive >= negative else 1
    if len(chosen) < _QUOTES and min(positive, negative) >= max(2, _MINORITY_SHARE * len(values)):
        side = [(s, v) for s, v in scored if v * minority >= NEUTRAL_BAND]
        chosen += pick(rank(side, statistics.fmean(v for _, v in side)), 1, chosen)
    chosen += pick(ranked, _QUOTES - len(chosen), chosen)
    return Aspect(
        name=name,
        kind=kind,
        mentions=len(values),
        reviews=len(corpus.reviews),
        mean_sentiment=round(mean, 4),
        ci95_low=low,
        ci95_high=high,
        positive=positive,
        neutral=len(values) - positive - negative,
        negative=negative,
        quotes=chosen,
    )


def _heads_name(name: str) -> Callable[[Clause], bool]:
    return lambda clause: name in _phrase_heads(clause.lemmas)


def _phrase_heads(lemmas: tuple[str, ...]) -> set[str]:
    """Nouns named after a determiner ("the zipper", "my old zipper": skipping a modifier or two), that the
    vocabulary does not already name."""
    heads = set()
    for i, word in enumerate(lemmas):
        if word not in DETERMINERS:
            continue
        j = i + 1
        while j < len(lemmas) and j <= i + 2 and lemmas[j] in MODIFIERS:
            j += 1
        if j >= len(lemmas):
            continue
        head = lemmas[j]
        known = (head,) in TERMS or head in STOPWORDS or head in GENERIC or head in MODIFIERS
        if len(head) > 2 and head.isalpha() and not known:
            heads.add(head)
    return heads


def _phrases(corpus: Corpus) -> dict[str, dict[str, list[Sentence]]]:
    by_head: dict[str, dict[str, list[Sentence]]] = {}
    for sentence in corpus.sentences:
        for head in set().union(*(_phrase_heads(c.lemmas) for c in sentence.clauses)):
            by_head.setdefault(head, {}).setdefault(sentence.review.review_id, []).append(sentence)
    least = least_phrase_mentions(len(corpus.reviews))
    kept = sorted(((h, r) for h, r in by_head.items() if len(r) >= least), key=lambda hr: (-len(hr[1]), hr[0]))
    return dict(kept[:MAX_PHRASES])
