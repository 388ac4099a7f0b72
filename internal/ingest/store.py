"""The ingest family's SQL (migration 0008): pushed reviews and their batch receipts, dead letters moved by a
replay, and live product sentiment with its history.

A push is one transaction: the new reviews (ON CONFLICT (source, review_id) DO NOTHING: what is already there is a
duplicate), their copies among the product's kept reviews (`product_reviews`, origin `push`, which jobs share),
each touched product's generation bumped (the live sentiment workflow's "dirty" mark), the batch's dead letters
and its receipt. So a receipt's counts always match what the tables hold, and a crash leaves all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from internal.alerts.live_drops import NewReview
from internal.domain.models import ProductSentiment, Review, ReviewScore
from internal.domain.review_validation import ValidReview
from internal.ledger.dead_letters import INSERT_DEAD_LETTERS, MARK_REPLAYED

# $1 source, $2 batch; arrays $3 review id, $4 product, $5 user, $6 text, $7 rating, $8 timestamp. In key order,
# so two batches sharing reviews wait for each other instead of deadlocking. Returns the products it touched.
_STORE_PUSHED: Final = """
WITH ins AS (
    INSERT INTO pushed_reviews (source, review_id, product_id, user_id, body, rating, review_ts, batch_id)
    SELECT $1, t.review_id, t.product_id, t.user_id, t.body, t.rating, t.ts::timestamptz, $2
    FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::real[], $8::text[])
        AS t(review_id, product_id, user_id, body, rating, ts)
    ORDER BY t.review_id
    ON CONFLICT (source, review_id) DO NOTHING
    RETURNING review_id, product_id, body, rating, review_ts
), pr AS (
    INSERT INTO product_reviews (source, product_id, review_id, origin, body, rating, review_date)
    SELECT $1, product_id, review_id, 'push', body, rating, review_ts::text FROM ins ORDER BY product_id, review_id
    ON CONFLICT (source, product_id, review_id) DO NOTHING
), lp AS (
    INSERT INTO live_products AS l (source, product_id, generation, dirty_since)
    SELECT $1, product_id, 1, now() FROM ins GROUP BY product_id ORDER BY product_id
    ON CONFLICT (source, product_id) DO UPDATE SET
        generation = l.generation + 1, dirty_since = COALESCE(l.dirty_since, now())
)
SELECT count(*) AS stored FROM ins
"""
# A replayed pulled review joins its product's kept reviews under its source's name (as a job stores it).
# $1 source, $2 product, $3 review id, $4 text, $5 rating, $6 date.
_STORE_PULLED: Final = """
WITH pr AS (
    INSERT INTO product_reviews (source, product_id, review_id, origin, body, rating, review_date)
    VALUES ($1, $2, $3, $1, $4, $5, $6)
    ON CONFLICT (source, product_id, review_id) DO NOTHING
    RETURNING product_id
), lp AS (
    INSERT INTO live_products AS l (source, product_id, generation, dirty_since)
    SELECT $1, product_id, 1, now() FROM pr
    ON CONFLICT (source, product_id) DO UPDATE SET
        generation = l.generation + 1, dirty_since = COALESCE(l.dirty_since, now())
)
SELECT count(*) FROM pr
"""
_RECEIPT: Final = """
INSERT INTO ingest_batches (batch_id, source, received, accepted, duplicates, dead_lettered)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
"""
_DIRTY: Final = """
SELECT source, product_id, generation FROM live_products WHERE generation > published
ORDER BY dirty_since LIMIT $1
"""
# Reviews of the product that no scorer has scored yet (a job's verdict, from any scorer, is kept as it is).
_UNSCORED: Final = """
SELECT r.review_id, r.body, r.rating, r.review_date, r.origin FROM product_reviews r
WHERE r.source = $1 AND r.product_id = $2 AND NOT EXISTS (
    SELECT 1 FROM product_review_scores s
    WHERE s.source = r.source AND s.product_id = r.product_id AND s.review_id = r.review_id)
ORDER BY r.review_id LIMIT $3
"""
_STORE_SCORES: Final = """
INSERT INTO product_review_scores (source, product_id, review_id, scorer, sentiment, label, confidence)
SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::real[], $6::text[], $7::real[])
    AS t(review_id, scorer, sentiment, label, confidence)
ON CONFLICT DO NOTHING
"""
# Each review's latest verdict (escalation's later scorer has the final word), with its stars.
_SCORES: Final = """
SELECT DISTINCT ON (s.review_id) s.review_id, s.sentiment, s.label, s.confidence, s.scorer, r.rating
FROM product_review_scores s JOIN product_reviews r USING (source, product_id, review_id)
WHERE s.source = $1 AND s.product_id = $2
ORDER BY s.review_id, s.scored_at DESC, s.scorer
"""
# $1 source, $2 product, $3 generation covered, $4 sentiment: nothing when that generation is already published
# (a retried or concurrent refresh), so a history row is written once per generation.
_PUBLISH_LIVE: Final = """
UPDATE live_products SET published = $3, sentiment = $4, updated_at = now(),
    dirty_since = CASE WHEN generation <= $3 THEN NULL ELSE dirty_since END
WHERE source = $1 AND product_id = $2 AND published < $3
RETURNING true
"""
# A job's result is recorded by internal/enrichment/product_store.py's publish (origin job).
# $13 the aspects the point keeps (migration 0011).
INSERT_HISTORY: Final = """
INSERT INTO product_sentiment_history (source, product_id, origin, generation, job_id, row_num, review_count,
                                       mean_sentiment, score_5, ci95_low, ci95_high, label, aspects)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT DO NOTHING
"""
# The product's latest published point (from pushed reviews or a job): what a live drop is measured from.
_PREVIOUS_POINT: Final = """
SELECT history_id, origin, generation, job_id, review_count, mean_sentiment, score_5, ci95_low, ci95_high, recorded_at
FROM product_sentiment_history WHERE source = $1 AND product_id = $2 ORDER BY history_id DESC LIMIT 1
"""
# $3 the reviews the new sentiment counts: those of them not yet in a published sentiment, most negative first.
_NEW_PUSHED: Final = """
SELECT p.review_id, p.body, p.rating, s.sentiment FROM pushed_reviews p
LEFT JOIN LATERAL (
    SELECT sentiment FROM product_review_scores s
    WHERE s.source = p.source AND s.product_id = p.product_id AND s.review_id = p.review_id
    ORDER BY s.scored_at DESC LIMIT 1
) s ON true
WHERE p.source = $1 AND p.product_id = $2 AND p.published_at IS NULL AND p.review_id = ANY($3::text[])
ORDER BY s.sentiment ASC NULLS LAST, p.review_id
"""
_MARK_PUBLISHED: Final = """
UPDATE pushed_reviews SET published_at = now()
WHERE source = $1 AND product_id = $2 AND published_at IS NULL AND review_id = ANY($3::text[])
"""


@dataclass(frozen=True)
class DeadRow:
    position: int
    reason: str
    message: str
    payload: dict[str, Any]
    review_id: str | None


@dataclass(frozen=True)
class Receipt:
    batch_id: str
    received: int
    accepted: int
    duplicates: int
    dead_lettered: int


def _pushed_args(reviews: Sequence[ValidReview]) -> tuple[list[Any], ...]:
    return (
        [r.review_id for r in reviews],
        [r.product_id for r in reviews],
        [r.user_id for r in reviews],
        [r.text for r in reviews],
        [r.rating for r in reviews],
        [r.timestamp for r in reviews],
    )


class IngestStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def store_batch(
        self, batch_id: str, source: str, received: int, valid: Sequence[ValidReview], dead: Sequence[DeadRow]
    ) -> Receipt:
        """Store a validated batch and its receipt in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            stored = int(await conn.fetchval(_STORE_PUSHED, source, batch_id, *_pushed_args(valid)))
            if dead:
                n = len(dead)
                await conn.execute(
                    INSERT_DEAD_LETTERS,
                    source,
                    [d.reason for d in dead],
                    [d.message for d in dead],
                    [d.payload for d in dead],
                    ["push"] * n,
                    [batch_id] * n,
                    [d.position for d in dead],
                    [None] * n,
                    [None] * n,
                    [None] * n,
                    [d.review_id for d in dead],
                )
            receipt = Receipt(batch_id, received, stored, received - stored - len(dead), len(dead))
            await conn.execute(
                _RECEIPT, batch_id, source, received, receipt.accepted, receipt.duplicates, receipt.dead_lettered
            )
        return receipt

    async def replay_pushed(self, dead_letter_id: int, source: str, review: ValidReview) -> str | None:
        """Move a dead letter that now passes into storage; its outcome, or None when already moved."""
        async with self._pool.acquire() as conn, conn.transaction():
            batch = f"replay-{dead_letter_id}"
            stored = int(await conn.fetchval(_STORE_PUSHED, source, batch, *_pushed_args([review])))
            return await self._retire(conn, dead_letter_id, stored)

    async def replay_pulled(self, dead_letter_id: int, source: str, product_id: str, review: Review) -> str | None:
        async with self._pool.acquire() as conn, conn.transaction():
            args = (review.review_id, review.text, review.rating, review.date)
            stored = int(await conn.fetchval(_STORE_PULLED, source, product_id, *args))
            return await self._retire(conn, dead_letter_id, stored)

    async def _retire(self, conn: asyncpg.pool.PoolConnectionProxy, dead_letter_id: int, stored: int) -> str | None:
        outcome = "stored" if stored else "duplicate"
        if await conn.fetchval(MARK_REPLAYED, dead_letter_id, outcome) is None:
            # Another replay moved it first: undo ours (the review it stored is that replay's).
            raise AlreadyMoved
        return outcome

    # ---- live sentiment ----------------------------------------------------------------------------------------

    async def dirty_products(self, limit: int) -> list[tuple[str, str, int]]:
        rows = await self._pool.fetch(_DIRTY, limit)
        return [(r["source"], r["product_id"], int(r["generation"])) for r in rows]

    async def unscored(self, source: str, product_id: str, limit: int) -> list[Review]:
        rows = await self._pool.fetch(_UNSCORED, source, product_id, limit)
        return [Review(r["review_id"], r["body"], r["rating"], r["review_date"], r["origin"]) for r in rows]

    async def store_scores(self, source: str, product_id: str, scores: Sequence[ReviewScore]) -> None:
        await self._pool.execute(
            _STORE_SCORES,
            source,
            product_id,
            [s.review_id for s in scores],
            [s.scorer for s in scores],
            [s.sentiment for s in scores],
            [s.label for s in scores],
            [s.confidence for s in scores],
        )

    async def scores(self, source: str, product_id: str) -> tuple[list[ReviewScore], dict[str, float | None]]:
        rows = await self._pool.fetch(_SCORES, source, product_id)
        scores = [ReviewScore(r["review_id"], r["sentiment"], r["label"], r["confidence"], r["scorer"]) for r in rows]
        return scores, {r["review_id"]: r["rating"] for r in rows}

    async def previous_point(self, source: str, product_id: str) -> dict[str, Any] | None:
        row = await self._pool.fetchrow(_PREVIOUS_POINT, source, product_id)
        return None if row is None else dict(row)

    async def new_pushed(self, source: str, product_id: str, review_ids: Sequence[str]) -> list[NewReview]:
        """The pushed reviews among `review_ids` that no published sentiment counts yet, most negative first."""
        rows = await self._pool.fetch(_NEW_PUSHED, source, product_id, list(review_ids))
        return [NewReview(r["review_id"], r["body"], r["rating"], r["sentiment"]) for r in rows]

    async def publish_live(
        self,
        source: str,
        product_id: str,
        generation: int,
        sentiment: ProductSentiment,
        as_dict: dict[str, Any],
        review_ids: Sequence[str],
        aspects: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Publish the product's sentiment for `generation`, its history row (keeping `aspects`, None: no findings)
        and its reviews' publish time; False when that generation was already published."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(_PUBLISH_LIVE, source, product_id, generation, as_dict):
                return False
            await conn.execute(
                INSERT_HISTORY, source, product_id, "push", generation, None, None, *_facts(sentiment), aspects
            )
            await conn.execute(_MARK_PUBLISHED, source, product_id, list(review_ids))
        return True


class AlreadyMoved(Exception):
    """A concurrent replay moved the dead letter first; raised inside the transaction so ours is rolled back."""


def _facts(s: ProductSentiment) -> tuple[Any, ...]:
    return (s.review_count, s.mean_sentiment, s.score_5, s.ci95_low, s.ci95_high, s.label)
