"""A decided row's findings (internal/domain/findings.py: aspects and evidence), computed inside the analyze_feedback
activity, where its reviews and scores are already loaded: no activity of its own, so a product that finishes on
its first attempt still costs 4 Temporal actions (docs/scaling.md).

Reuse: the findings are kept for the product with a fingerprint of the reviews and verdicts they came from. A row
whose reviews and decisive verdicts are the product's stored ones (a job that reused them) takes the stored findings
without computing anything; a refresh that added reviews has another fingerprint and computes them anew.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from internal.adapters.scorers.base import Scorer, SentenceScorer
from internal.domain.corpus import SentenceScorer as ScoreSentence
from internal.domain.findings import Findings, analyse
from internal.domain.models import Review, ReviewScore
from internal.domain.settle import decisive_scores
from internal.enrichment import contracts
from internal.enrichment.ports import FindingsWrites

# Part of every fingerprint: raising it recomputes every product's findings on its next use (the analysis changed).
FINDINGS_VERSION = 1
# Fewer reviews than this are analysed on the event loop: a thread hop would cost more than the analysis.
_INLINE_REVIEWS = 8


def fingerprint(scores: Sequence[ReviewScore], sentence_scorer: str | None) -> str:
    """What the findings were computed from: each review's id and decisive scorer, and the sentence scorer."""
    h = hashlib.sha256(f"findings/{FINDINGS_VERSION}/{sentence_scorer or '-'}".encode())
    for review_id, scorer in sorted((s.review_id, s.scorer) for s in scores):
        h.update(f"\n{review_id}\t{scorer}".encode())
    return h.hexdigest()[:32]


def sentence_scorer_of(scorers: Mapping[str, Scorer], name: str) -> SentenceScorer | None:
    """The attempt's scorer when it scores a sentence cheaply (VADER, lexical); None: sentences take their review's
    score (e5 would cost ~35 ms a sentence, a network scorer a request)."""
    scorer = scorers.get(name)
    return scorer if isinstance(scorer, SentenceScorer) else None


async def analyse_off_loop(
    reviews: Sequence[Review], scores: Sequence[ReviewScore], score: ScoreSentence | None
) -> Findings:
    """`analyse`, in a thread unless the product is small. Also the live refresh's (internal/ingest/activities.py)."""
    if len(reviews) < _INLINE_REVIEWS:
        return analyse(reviews, scores, score)
    # CPU-bound (sentence splitting and scoring): keep the worker's event loop free meanwhile.
    return await asyncio.to_thread(analyse, reviews, scores, score)


class FindingsStep:
    def __init__(self, store: FindingsWrites, scorers: Mapping[str, Scorer]) -> None:
        self._store = store
        self._scorers = scorers

    async def record(
        self, inp: contracts.FeedbackInput, loaded: Sequence[tuple[Review, Sequence[ReviewScore]]]
    ) -> dict[str, Any] | None:
        """Write the row's findings (and the product's, when computed here) and return them; nothing for a row
        without verdicts (None)."""
        scores = decisive_scores(loaded, inp.scorer_chain)
        if not scores:
            return None
        chain = inp.scorer_chain
        name = chain[min(inp.row_attempt.escalation_level, len(chain) - 1)]
        by_sentence = sentence_scorer_of(self._scorers, name)
        mark = fingerprint(scores, name if by_sentence is not None else None)
        stored = await self._store.product_findings(inp.source, inp.product_id, mark)
        if stored is None:
            reviews = [review for review, _ in loaded]
            score = by_sentence.score_sentence if by_sentence is not None else None
            findings = (await analyse_off_loop(reviews, scores, score)).to_dict()
        else:
            findings = stored
        await self._store.save_findings(
            inp.job_id,
            inp.row_num,
            inp.source,
            inp.product_id,
            fingerprint=mark,
            review_count=len(scores),
            findings=findings,
            reused=stored is not None,
        )
        return findings
