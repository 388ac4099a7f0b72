"""Per-row activities: fetch a row's pages (fetching.py), score what is unscored (here), settle it (feedback.py).

Each activity reads and writes review data in PostgreSQL and returns only counts, cursors and the small
product-level result, so workflow histories stay small whatever the review volume. Each also records the row's
stage, so progress shows where a row is without an extra round trip to the server. `EnrichmentActivities` is what
the worker registers (and the benchmark's in-process baseline, bench/channel_enricher.py, calls directly): the
three parts over one state, sources and scorers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from temporalio import activity

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import PermanentScorerError, Scorer, ScorerError, Summarizer
from internal.adapters.sources.base import ReviewSource
from internal.domain.local_scorers import RESCORE_LIMIT
from internal.enrichment import contracts, metrics
from internal.enrichment.analyze import FeedbackActivities
from internal.enrichment.beats import heartbeat, heartbeating, local, permanent, transient
from internal.enrichment.fetch_activities import FetchActivities
from internal.enrichment.policies import configured
from internal.enrichment.ports import EnrichmentStores

SCORE_BATCH = 100
# An escalated scorer looks again only at reviews the cheaper one was unsure about.
UNCERTAIN_CONFIDENCE = 0.5


class EnrichmentActivities:
    def __init__(
        self,
        state: EnrichmentStores,
        sources: Mapping[str, ReviewSource],
        scorers: Mapping[str, Scorer],
        aspects: AspectProvider | None = None,
    ) -> None:
        """`aspects`: the aspect provider ASPECTS configures (None: offline aspects)."""
        self._state = state
        self._scorers = scorers
        fetch = FetchActivities(state, sources)
        summarizer = next((s for s in scorers.values() if isinstance(s, Summarizer)), None)
        feedback = FeedbackActivities(state, summarizer, scorers, aspects)
        self.fetch_attempt = fetch.fetch_attempt
        self.fetch_reviews = fetch.fetch_reviews
        self.claim_reviews = fetch.claim_reviews
        self.analyze_feedback = feedback.analyze_feedback
        self.summarize_product = feedback.summarize_product

    @activity.defn(name=contracts.SCORE_REVIEWS)
    async def score_reviews(self, inp: contracts.ScoreInput) -> contracts.ScoreResult:
        configured("scorer", inp.scorer, self._scorers)  # a worker without it fails the row before any write
        if not local():
            # In-process scoring (a local activity) is over before anyone could read this stage: skip the write.
            await self._state.rows.set_row_state(
                inp.job_id, inp.row_num, "running", stage=f"score ({inp.scorer})", attempt=inp.attempt
            )
        if inp.only_uncertain_from is None:
            return contracts.ScoreResult(scored=await self._score(inp, inp.scorer, None), scorer=inp.scorer)
        # Escalated: reviews read since the cheaper scorer last ran (a later attempt read more pages) are scored by
        # it first, or no scorer would ever see them; then this scorer rescores the ones it was unsure of.
        scored = await self._score(inp, inp.only_uncertain_from, None)
        only_ids = await self._state.reviews.uncertain_review_ids(
            inp.job_id, inp.row_num, inp.only_uncertain_from, UNCERTAIN_CONFIDENCE, limit=RESCORE_LIMIT.get(inp.scorer)
        )
        scored += await self._score(inp, inp.scorer, only_ids)
        return contracts.ScoreResult(scored=scored, scorer=inp.scorer)

    async def _score(self, inp: contracts.ScoreInput, name: str, only_ids: list[str] | None) -> int:
        """Score the row's reviews `name` has not scored (only `only_ids`, when given); how many it scored."""
        scorer = configured("scorer", name, self._scorers)
        scored = 0
        while True:
            batch = await self._state.reviews.unscored_reviews(
                inp.job_id, inp.row_num, name, limit=SCORE_BATCH, only_ids=only_ids
            )
            if not batch:
                break
            started = time.monotonic()
            try:
                scores = await heartbeating(scorer.score(batch), scored)
            except (PermanentScorerError, ScorerError) as err:
                metrics.scorer_call(name, err, time.monotonic() - started)
                await self._state.reviews.add_costs(inp.job_id, inp.row_num, scorer_calls=1)
                if isinstance(err, PermanentScorerError):
                    raise permanent(err) from err
                raise transient(err, err.retry_after) from err
            metrics.scorer_call(name, None, time.monotonic() - started)
            await self._state.reviews.store_scores(inp.job_id, inp.row_num, scores, calls=1)
            scored += len(scores)
            if len(batch) < SCORE_BATCH:
                # The last batch: no query for an empty one, and no heartbeat (a billed action) for nothing.
                break
            # Scoring hundreds of long reviews can take a while: tell the server we are alive.
            heartbeat(scored)
        return scored

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.fetch_attempt,
            self.fetch_reviews,
            self.claim_reviews,
            self.score_reviews,
            self.analyze_feedback,
            self.summarize_product,
        ]
