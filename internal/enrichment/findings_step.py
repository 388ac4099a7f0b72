"""A decided row's findings (internal/domain/findings.py: aspects and evidence), computed inside the analyze_feedback
activity, where its reviews and scores are already loaded: no activity of its own, so a product that finishes on
its first attempt still costs 4 Temporal actions (docs/scaling.md).

Aspects come from the offline analysis, or from the provider ASPECTS configures (internal/adapters/aspects/), whose
answer internal/domain/provided_aspects.py checks. A provider that fails (after its client's own retries, or past
PROVIDER_BUDGET) never fails the row: the aspects are the offline ones, and the findings say so.

Reuse: the findings are kept for the product with a fingerprint of the reviews and verdicts they came from. A row
whose reviews and decisive verdicts are the product's stored ones (a job that reused them) takes the stored findings
without computing anything; a refresh that added reviews has another fingerprint and computes them anew.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import PermanentScorerError, Scorer, ScorerError, SentenceScorer
from internal.domain.corpus import SentenceScorer as ScoreSentence
from internal.domain.findings import Findings, analyse
from internal.domain.models import Review, ReviewScore
from internal.domain.provided_aspects import OFFLINE, AspectSource, ProviderAnswer
from internal.domain.settle import decisive_scores
from internal.enrichment import contracts
from internal.enrichment.ports import FindingsWrites

# Part of every fingerprint: raising it recomputes every product's findings on its next use (the analysis changed).
FINDINGS_VERSION = 1
# Fewer reviews than this are analysed on the event loop: a thread hop would cost more than the analysis.
_INLINE_REVIEWS = 8
# The longest an aspect provider may take: analyze_feedback has 60 s (internal/enrichment/workflow.py) and is
# retried without end, so a slow provider must give way to the offline aspects rather than time the step out.
PROVIDER_BUDGET = 30.0

log = logging.getLogger(__name__)


def fingerprint(scores: Sequence[ReviewScore], sentence_scorer: str | None, aspects: str = OFFLINE) -> str:
    """What the findings were computed from: each review's id and decisive scorer, the sentence scorer, and the
    aspect provider that supplied the aspects (offline ones keep the fingerprint they always had)."""
    provider = "" if aspects == OFFLINE else f"/aspects={aspects}"
    h = hashlib.sha256(f"findings/{FINDINGS_VERSION}/{sentence_scorer or '-'}{provider}".encode())
    for review_id, scorer in sorted((s.review_id, s.scorer) for s in scores):
        h.update(f"\n{review_id}\t{scorer}".encode())
    return h.hexdigest()[:32]


def sentence_scorer_of(scorers: Mapping[str, Scorer], name: str) -> SentenceScorer | None:
    """The attempt's scorer when it scores a sentence cheaply (VADER, lexical); None: sentences take their review's
    score (e5 would cost ~20 ms a sentence, docs/performance.md; a network scorer a request)."""
    scorer = scorers.get(name)
    return scorer if isinstance(scorer, SentenceScorer) else None


async def analyse_off_loop(
    reviews: Sequence[Review],
    scores: Sequence[ReviewScore],
    score: ScoreSentence | None,
    provided: ProviderAnswer | None = None,
) -> Findings:
    """`analyse`, in a thread unless the product is small. Also the live refresh's (internal/ingest/activities.py)."""
    if len(reviews) < _INLINE_REVIEWS:
        return analyse(reviews, scores, score, provided)
    # CPU-bound (sentence splitting and scoring): keep the worker's event loop free meanwhile.
    return await asyncio.to_thread(analyse, reviews, scores, score, provided)


async def ask_provider(provider: AspectProvider, reviews: Sequence[Review]) -> ProviderAnswer | str:
    """The provider's answer, or why there is none (its error, or the budget spent)."""
    try:
        return await asyncio.wait_for(provider.find(reviews), PROVIDER_BUDGET)
    except (ScorerError, PermanentScorerError) as err:
        return str(err)
    except TimeoutError:
        return f"{provider.name} took longer than {PROVIDER_BUDGET:g} s"
    except Exception as err:
        # Any other failure (an answer we misread, an SDK error) must not fail analyze_feedback: its retries never
        # give up, so the row would stay running and ask the provider again on every attempt.
        return f"{provider.name} failed: {type(err).__name__}: {err}"


class FindingsStep:
    def __init__(
        self, store: FindingsWrites, scorers: Mapping[str, Scorer], aspects: AspectProvider | None = None
    ) -> None:
        self._store = store
        self._scorers = scorers
        self._aspects = aspects

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
        sentence_scorer = name if by_sentence is not None else None
        provider = self._aspects
        aspects_by = provider.name if provider is not None else OFFLINE
        mark = fingerprint(scores, sentence_scorer, aspects_by)
        stored = await self._store.product_findings(inp.source, inp.product_id, mark)
        if stored is None:
            reviews = [review for review, _ in loaded]
            score = by_sentence.score_sentence if by_sentence is not None else None
            answer = await ask_provider(provider, reviews) if provider is not None else None
            if isinstance(answer, str):
                log.warning("aspect provider failed, offline aspects instead: %s", answer)
                # A fingerprint of their own: the next use asks the provider again, and an offline job does not take
                # findings that speak of a provider's failure.
                mark = fingerprint(scores, sentence_scorer, f"{aspects_by}:failed")
                found = await analyse_off_loop(reviews, scores, score)
                found = dataclasses.replace(found, aspect_provider=AspectSource(provider_error=answer))
            else:
                found = await analyse_off_loop(reviews, scores, score, answer)
            findings = found.to_dict()
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
