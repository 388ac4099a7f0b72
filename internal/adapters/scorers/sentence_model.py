"""What the sentence-model scorers (lexical, e5) share: split reviews into sentences, score every sentence of a
batch in one call, and turn each review's sentence scores into its verdict (internal/domain/sentence_verdict.py).

Sentences count equally here, unlike VADER's length weighting: on the human-rated Amazon reviews (docs/scorers.md)
the unweighted mean tracks people's ratings better, which matches how people rated them, sentence by sentence.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from internal.domain.models import Label, Review, ReviewScore
from internal.domain.sentence_verdict import Thresholds, verdict
from internal.domain.sentences import split_sentences

MODELS = Path(__file__).resolve().parent / "models"


def payload_digest(payload: Mapping[str, Any]) -> str:
    """sha256 of a weights payload without its own `sha256` field, as canonical JSON: a weights file whose
    numbers were edited by hand no longer matches the digest the build script wrote into it."""
    body = {k: v for k, v in payload.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load_payload(path: Path) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(path.read_text())
    if payload.get("sha256") != payload_digest(payload):
        raise ValueError(f"{path}: contents do not match their sha256; rebuild with scripts/build_scorer_models.py")
    return payload


def thresholds_of(payload: Mapping[str, Any]) -> Thresholds:
    t = payload["thresholds"]
    return Thresholds(clear=float(t["clear"]), neutral=float(t["neutral"]), full=float(t["full"]))


class SentenceModelScorer:
    """Base: subclasses give `sentence_scores` (one sentiment in -1..1 per sentence) and their thresholds."""

    name: str
    thresholds: Thresholds
    # Batches up to this size run on the event loop: they cost less than a thread hop (0: always a thread).
    inline_batch = 0

    def sentence_scores(self, sentences: Sequence[str]) -> list[float]:
        raise NotImplementedError

    def score_texts(self, texts: Sequence[str]) -> list[tuple[float, Label, float]]:
        split = [split_sentences(t) for t in texts]
        # Each distinct sentence is scored once: a batch repeats sentences (reviews that say the same short thing,
        # long reviews that repeat themselves), and a sentence's score does not depend on its neighbours. For e5,
        # whose cost is per sentence, repeats were most of an escalated demo product's cost (docs/performance.md).
        distinct = list(dict.fromkeys(s for sentences in split for s in sentences))
        score = dict(zip(distinct, self.sentence_scores(distinct), strict=True))
        return [verdict([score[s] for s in sentences], [1.0] * len(sentences), self.thresholds) for sentences in split]

    def _score_all(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        verdicts = self.score_texts([r.text for r in reviews])
        return [
            ReviewScore(review_id=r.review_id, sentiment=s, label=label, confidence=c, scorer=self.name)
            for r, (s, label, c) in zip(reviews, verdicts, strict=True)
        ]

    async def score(self, reviews: Sequence[Review]) -> list[ReviewScore]:
        if len(reviews) <= self.inline_batch:
            return self._score_all(reviews)
        # CPU-bound: keep the worker's event loop (and its heartbeats) responsive.
        return await asyncio.to_thread(self._score_all, reviews)
