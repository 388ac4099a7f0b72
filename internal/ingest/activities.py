"""The live sentiment activity: dirty products, a batch at a time, scored and published (migration 0008).

For each dirty product (a push or a replay bumped its generation): read the generation, score the product's
reviews that no scorer has scored yet with the default scorer (once each: scores are kept per product), aggregate
every review's latest verdict, and publish the sentiment with a history row for that generation, in one
transaction that does nothing if the generation is already published. Reading the generation before the reviews
means the published sentiment counts at least every review of that generation; a push that lands meanwhile leaves
the product dirty for the next round. So a retried activity (a worker SIGKILLed mid-batch) neither loses nor
duplicates anything. Just before the publish, a significant drop from the product's previous published point
alerts the sentiment_drop subscriptions that cover it (internal/alerts/live_drops.py; at most once each).

Also before the publish, the product's findings (aspects and evidence) are computed over the same reviews and verdicts
the sentiment counts, by the same analysis as a job's (internal/enrichment/findings_step.py), and stored as the
product's: so a product known only from pushes has aspects too. Kept with a fingerprint, so an unchanged product is
not analysed again (a retried activity, or a generation whose reviews were all duplicates). The history row keeps
their aspects (migration 0011), so the product page compares any two points aspect by aspect.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from temporalio import activity

from internal.adapters.scorers.base import Scorer, SentenceScorer
from internal.alerts.live_drops import LiveChange, LiveDropAlerts, NewReview, Watching
from internal.domain.aggregate import aggregate
from internal.domain.findings import aspects_summary
from internal.domain.models import ReviewScore
from internal.enrichment.findings_step import analyse_off_loop, fingerprint
from internal.ingest import contracts
from internal.ingest.live_store import LiveStore
from internal.ingest.store import IngestStore

# Reviews scored per scorer call: VADER's cost is per review, a network scorer's per call.
SCORE_CHUNK = 500
PRODUCTS_AT_ONCE = 4


class LiveSentimentActivities:
    def __init__(
        self,
        store: IngestStore,
        scorers: Mapping[str, Scorer],
        drops: LiveDropAlerts | None = None,
        findings: LiveStore | None = None,
    ) -> None:
        """`drops`: the sentiment_drop alerts of pushed reviews (none: publish without checking); `findings`: where
        the products' findings are kept (none: publish without them)."""
        self._store = store
        self._scorers = scorers
        self._drops = drops
        self._findings = findings

    def all(self) -> list[Callable[..., Any]]:
        return [self.refresh_live_sentiment]

    async def refresh_product(
        self,
        scorer: Scorer,
        source: str,
        product_id: str,
        generation: int,
        watching: Watching | None = None,
    ) -> int:
        """Score what is new, aggregate, alert the `watching` subscriptions if that is a significant drop, publish;
        how many reviews it scored."""
        scored = 0
        while reviews := await self._store.unscored(source, product_id, SCORE_CHUNK):
            scores = await scorer.score(reviews)
            await self._store.store_scores(source, product_id, scores)
            scored += len(scores)
            if len(reviews) < SCORE_CHUNK:
                break
        scores, ratings = await self._store.scores(source, product_id)
        sentiment = aggregate(scores, ratings)
        as_dict = dataclasses.asdict(sentiment)
        review_ids = [s.review_id for s in scores]
        if watching and self._drops is not None:
            await self._check_drop(self._drops, watching, source, product_id, generation, as_dict, review_ids)
        aspects = None
        if self._findings is not None and scores:
            found = await self._record_findings(self._findings, scorer, source, product_id, scores)
            aspects = aspects_summary(found)
        await self._store.publish_live(source, product_id, generation, sentiment, as_dict, review_ids, aspects)
        return scored

    async def _record_findings(
        self, findings: LiveStore, scorer: Scorer, source: str, product_id: str, scores: list[ReviewScore]
    ) -> dict[str, Any]:
        """The product's findings over `scores`, stored. Sentences are scored by the live scorer when it scores one
        cheaply (VADER, lexical), else each takes its review's score: the rule of a job's findings, so both
        fingerprint the same reviews alike."""
        by_sentence = scorer if isinstance(scorer, SentenceScorer) else None
        mark = fingerprint(scores, scorer.name if by_sentence is not None else None)
        if (current := await findings.findings_current(source, product_id, mark)) is not None:
            return current
        reviews = await findings.reviews(source, product_id)
        score = by_sentence.score_sentence if by_sentence is not None else None
        found = (await analyse_off_loop(reviews, scores, score)).to_dict()
        await findings.save_findings(source, product_id, fingerprint=mark, review_count=len(scores), findings=found)
        return found

    async def _check_drop(
        self,
        drops: LiveDropAlerts,
        watching: Watching,
        source: str,
        product_id: str,
        generation: int,
        current: dict[str, Any],
        review_ids: list[str],
    ) -> None:
        """Before the publish, so that a worker killed in between retries the check (the product is still dirty);
        alerting twice is prevented by the alert's stable id (internal/alerts/live_drops.py)."""
        previous = await self._store.previous_point(source, product_id)
        if previous is None:
            return  # the product's first sentiment: nothing to drop from

        async def new_reviews() -> list[NewReview]:
            return await self._store.new_pushed(source, product_id, review_ids)

        change = LiveChange(source, product_id, generation, previous, current)
        await drops.announce(watching, change, new_reviews)

    @activity.defn(name=contracts.REFRESH_LIVE_SENTIMENT)
    async def refresh_live_sentiment(self, inp: contracts.RefreshInput) -> contracts.RefreshResult:
        scorer = self._scorers.get(inp.scorer)
        if scorer is None:
            raise ValueError(f"live sentiment: this worker has no scorer {inp.scorer!r}")
        dirty = await self._store.dirty_products(inp.batch_products)
        # One read per batch; with no sentiment_drop subscription a refresh costs nothing more.
        watching = await self._drops.watching() if dirty and self._drops is not None else []
        # A few products at a time: each is mostly round trips to PostgreSQL, which overlap; more would take the
        # pool's connections from the worker's other activities.
        gate = asyncio.Semaphore(PRODUCTS_AT_ONCE)

        async def one(source: str, product_id: str, generation: int) -> int:
            async with gate:
                n = await self.refresh_product(scorer, source, product_id, generation, watching)
                if activity.in_activity():
                    activity.heartbeat(product_id)
                return n

        scored = sum(await asyncio.gather(*(one(*d) for d in dirty)))
        return contracts.RefreshResult(
            products=len(dirty), reviews_scored=scored, more=len(dirty) == inp.batch_products
        )
