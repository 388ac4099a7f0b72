"""Everything a product's reviews say beyond its score: its aspects and its evidence, in one stored record."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from internal.domain.aspects import Aspect, find_aspects
from internal.domain.corpus import Corpus, SentenceScorer
from internal.domain.evidence import Evidence, find_evidence
from internal.domain.models import Review, ReviewScore
from internal.domain.provided_aspects import AspectSource, ProviderAnswer, provided_aspects


@dataclass(frozen=True)
class Findings:
    aspects: list[Aspect]
    evidence: Evidence
    aspect_provider: AspectSource = field(default_factory=AspectSource)

    def to_dict(self) -> dict[str, Any]:
        return {
            "aspects": [a.to_dict() for a in self.aspects],
            "evidence": self.evidence.to_dict(),
            "aspect_provider": self.aspect_provider.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Findings:
        return cls(
            aspects=[Aspect.from_dict(a) for a in data.get("aspects") or []],
            evidence=Evidence.from_dict(data.get("evidence") or {}),
            aspect_provider=AspectSource.from_dict(data.get("aspect_provider") or {}),
        )


def aspects_summary(findings: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """What a sentiment history point keeps of the findings it was published with (migration 0011): each aspect
    without its quotes (a point is small, and the quotes are the product's latest findings' to show), so any two
    points can be compared aspect by aspect. None: no findings were computed for that point."""
    if findings is None:
        return None
    return [{k: v for k, v in a.items() if k != "quotes"} for a in findings.get("aspects") or []]


def analyse(
    reviews: Iterable[Review],
    scores: Iterable[ReviewScore],
    score_sentence: SentenceScorer | None = None,
    provided: ProviderAnswer | None = None,
) -> Findings:
    """Aspects and evidence of one product: `scores` one per review (the decisive ones: reviews without a score
    are left out, as the product score leaves them out); `score_sentence` scores a sentence -1..1 (None: each
    sentence takes its review's score); `provided`: what an aspect provider answered (None: offline aspects).
    The same reviews (and answer) give the same findings, in whatever order they come."""
    corpus = Corpus(reviews, scores, score_sentence)
    evidence = find_evidence(corpus)
    if provided is None:
        return Findings(aspects=find_aspects(corpus), evidence=evidence)
    aspects, source = provided_aspects(corpus, provided)
    return Findings(aspects=aspects, evidence=evidence, aspect_provider=source)
