"""The products aggregate: reviews and scores per (source, product), apart from any job (migration 0003).

A row claims its product before fetching (`claim`), and publishes what it fetched and scored when it finishes
(`publish`, which also records the result in the product's sentiment history, migration 0008). Claims are
serialised per product by a row lock on `product_fetches`, so of two rows of concurrent jobs asking for one
product, one fetches and the other waits and then reuses. Both statements are idempotent: a
retried claim by the same row gets the same answer (copies are ON CONFLICT DO NOTHING), a retried publish rewrites
the same values.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import asyncpg

from internal.domain.lifecycle import OPEN_ROW_STATUSES
from internal.domain.reuse import FETCH_LEASE_SECONDS, ReviewClaim

# A product nobody has claimed yet (the common case of a new product): this row holds it, in one statement.
# $1 source, $2 product, $3 job, $4 row, $5 lease (s).
_FIRST_CLAIM: Final = """
INSERT INTO product_fetches (source, product_id, holder_job, holder_row, held_until)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
ON CONFLICT DO NOTHING
RETURNING true
"""
# $1 source, $2 product, $3 max age (s), $4 job, $5 row, $6 open row statuses.
_READ_PRODUCT: Final = """
SELECT f.*,
       f.fetched_at IS NOT NULL AND f.fetched_at > now() - make_interval(secs => $3) AS fresh,
       f.holder_job IS NOT NULL AND NOT (f.holder_job = $4 AND f.holder_row = $5) AND f.held_until > now()
           AND EXISTS (SELECT 1 FROM job_rows r WHERE r.job_id = f.holder_job AND r.row_num = f.holder_row
                       AND r.status = ANY($6::text[])) AS held
FROM product_fetches f WHERE f.source = $1 AND f.product_id = $2
FOR UPDATE OF f
"""
_HOLD: Final = """
UPDATE product_fetches SET holder_job = $3, holder_row = $4, held_until = now() + make_interval(secs => $5)
WHERE source = $1 AND product_id = $2
"""
# $1 source, $2 product, $3 job, $4 row: the stored reviews and every scorer's verdict on them, into the row
# (with the time each was scored: aggregation orders a review's verdicts by it).
_COPY_REVIEWS: Final = """
INSERT INTO reviews (job_id, row_num, review_id, source, body, rating, review_date)
SELECT $3, $4, review_id, origin, body, rating, review_date FROM product_reviews
WHERE source = $1 AND product_id = $2
ON CONFLICT (job_id, row_num, review_id) DO NOTHING
"""
_COPY_SCORES: Final = """
INSERT INTO review_scores (job_id, row_num, review_id, scorer, sentiment, label, confidence, scored_at)
SELECT $3, $4, review_id, scorer, sentiment, label, confidence, scored_at FROM product_review_scores
WHERE source = $1 AND product_id = $2
ON CONFLICT (job_id, row_num, review_id, scorer) DO NOTHING
"""
# $1 job, $2 row, $3 the row's `reused` record, $4 product meta, $5 stage.
_MARK_REUSED: Final = """
UPDATE job_rows SET reused = $3, product_meta = COALESCE(product_meta, $4), stage = $5, updated_at = now()
WHERE job_id = $1 AND row_num = $2
"""
_COUNT_ROW_REVIEWS: Final = "SELECT count(*) FROM reviews WHERE job_id = $1 AND row_num = $2"
_SET_STAGE: Final = "UPDATE job_rows SET stage = $3, updated_at = now() WHERE job_id = $1 AND row_num = $2"

# A finished row keeps what it fetched and scored for its product, in one statement: its reviews (when it sent
# requests), every verdict on them (when it sent requests or scorer calls), and where its fetch and attempts stood
# (when it sent requests: a row that only reused reviews must not make them look newer), releasing the product if
# it held it. In key order, so that two rows publishing one product at once (max age 0, refreshes) wait, not
# deadlock. Returns the row's `reused` record.
# $1 source, $2 product, $3 job, $4 row, $5 cursor, $6 pages, $7 exhausted, $8 escalation, $9 result,
# $10 attempt, $11 budget, $12 the aspects its history point keeps (migration 0011).
_PUBLISH: Final = """
WITH r AS (
    SELECT reused, source_requests, scorer_calls, product_meta FROM job_rows WHERE job_id = $3 AND row_num = $4
), pr AS (
    INSERT INTO product_reviews (source, product_id, review_id, origin, body, rating, review_date)
    SELECT $1, $2, v.review_id, v.source, v.body, v.rating, v.review_date
    FROM reviews v, r WHERE v.job_id = $3 AND v.row_num = $4 AND r.source_requests > 0
    ORDER BY v.review_id
    ON CONFLICT (source, product_id, review_id) DO NOTHING
), ps AS (
    INSERT INTO product_review_scores (source, product_id, review_id, scorer, sentiment, label, confidence,
                                       scored_at)
    SELECT $1, $2, s.review_id, s.scorer, s.sentiment, s.label, s.confidence, s.scored_at
    FROM review_scores s, r WHERE s.job_id = $3 AND s.row_num = $4 AND r.source_requests + r.scorer_calls > 0
    ORDER BY s.review_id, s.scorer
    ON CONFLICT (source, product_id, review_id, scorer) DO UPDATE SET
        sentiment = EXCLUDED.sentiment, label = EXCLUDED.label, confidence = EXCLUDED.confidence,
        scored_at = EXCLUDED.scored_at
), pf AS (
    INSERT INTO product_fetches AS f (source, product_id, fetched_at, job_id, row_num, next_cursor, pages,
                                      exhausted, escalation, meta, result, attempt, budget)
    SELECT $1, $2, now(), $3, $4, $5, $6, $7, $8, r.product_meta, $9, $10, $11 FROM r WHERE r.source_requests > 0
    ON CONFLICT (source, product_id) DO UPDATE SET
        fetched_at = now(), job_id = $3, row_num = $4, next_cursor = $5, pages = $6, exhausted = $7,
        escalation = $8, meta = EXCLUDED.meta, result = $9, attempt = $10, budget = $11,
        holder_job = CASE WHEN f.holder_job = $3 AND f.holder_row = $4 THEN NULL ELSE f.holder_job END,
        holder_row = CASE WHEN f.holder_job = $3 AND f.holder_row = $4 THEN NULL ELSE f.holder_row END,
        held_until = CASE WHEN f.holder_job = $3 AND f.holder_row = $4 THEN NULL ELSE f.held_until END
), ph AS (
    -- The product's sentiment history (migration 0008) gains the row's result, once per row.
    INSERT INTO product_sentiment_history (source, product_id, origin, job_id, row_num, review_count,
                                           mean_sentiment, score_5, ci95_low, ci95_high, label, aspects)
    SELECT $1, $2, 'job', $3, $4, ($9::jsonb->>'review_count')::int, ($9::jsonb->>'mean_sentiment')::real,
           ($9::jsonb->>'score_5')::real, ($9::jsonb->>'ci95_low')::real, ($9::jsonb->>'ci95_high')::real,
           $9::jsonb->>'label', $12::jsonb
    FROM r WHERE r.source_requests > 0 AND $9::jsonb->>'review_count' IS NOT NULL
    ON CONFLICT DO NOTHING
)
SELECT reused FROM r
"""


class ProductStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim_reviews(
        self, job_id: str, row_num: int, source: str, product_id: str, *, max_age_seconds: int, refresh: bool
    ) -> ReviewClaim:
        """Decide, under the product's row lock, whether this row reuses, waits, fetches or refreshes."""
        lease = float(FETCH_LEASE_SECONDS)
        if await self._pool.fetchval(_FIRST_CLAIM, source, product_id, job_id, row_num, lease):
            return ReviewClaim(action="fetch")
        async with self._pool.acquire() as conn, conn.transaction():
            f = await conn.fetchrow(
                _READ_PRODUCT, source, product_id, float(max_age_seconds), job_id, row_num, list(OPEN_ROW_STATUSES)
            )
            if f is None:  # dropped since (forget_all): nobody has it now
                await conn.execute(_FIRST_CLAIM, source, product_id, job_id, row_num, lease)
                return ReviewClaim(action="fetch")
            stored = f["fetched_at"] is not None
            if f["fresh"] and not refresh:
                return await self._copy(conn, "reuse", f, job_id, row_num)
            if f["held"]:
                await conn.execute(
                    _SET_STAGE, job_id, row_num, f"waiting: job {f['holder_job']} is fetching this product"
                )
                return ReviewClaim(action="wait", holder_job=f["holder_job"])
            await conn.execute(_HOLD, source, product_id, job_id, row_num, lease)
            if refresh and stored:
                return await self._copy(conn, "refresh", f, job_id, row_num)
            return ReviewClaim(action="fetch")

    async def _copy(
        self,
        conn: asyncpg.pool.PoolConnectionProxy,
        action: Literal["reuse", "refresh"],
        f: asyncpg.Record,
        job_id: str,
        row_num: int,
    ) -> ReviewClaim:
        await conn.execute(_COPY_REVIEWS, f["source"], f["product_id"], job_id, row_num)
        await conn.execute(_COPY_SCORES, f["source"], f["product_id"], job_id, row_num)
        reviews = int(await conn.fetchval(_COUNT_ROW_REVIEWS, job_id, row_num))
        claim = ReviewClaim(
            action=action,
            from_job=f["job_id"],
            from_row=f["row_num"],
            fetched_at=f["fetched_at"].isoformat(timespec="seconds"),
            reviews=reviews,
            cursor=f["next_cursor"],
            pages=int(f["pages"]),
            exhausted=bool(f["exhausted"]),
            escalation=int(f["escalation"]),
            attempt=int(f["attempt"]),
            budget=int(f["budget"]),
            result=f["result"],
        )
        reused: dict[str, Any] = {
            "mode": claim.action,
            "job_id": claim.from_job,
            "row_num": claim.from_row,
            "fetched_at": claim.fetched_at,
            "reviews": reviews,
            "previous": f["result"],
        }
        stage = "reviews reused" if action == "reuse" else "refresh: fetching newer reviews"
        await conn.execute(_MARK_REUSED, job_id, row_num, reused, f["meta"], stage)
        return claim

    async def publish_reviews(
        self,
        job_id: str,
        row_num: int,
        source: str,
        product_id: str,
        *,
        cursor: str | None,
        pages: int,
        exhausted: bool,
        escalation: int,
        attempt: int,
        budget: int,
        result: dict[str, Any] | None,
        aspects: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any] | None:
        """Keep a finished row's reviews and scores for its product, with where its fetch and attempts stood, and
        release the product if it held it; its history point keeps `aspects` (None: no findings). Returns where the
        row's reviews came from: its `reused` record, set by a reuse or refresh claim; None when it fetched
        everything itself."""
        reused = await self._pool.fetchval(
            _PUBLISH,
            source,
            product_id,
            job_id,
            row_num,
            cursor,
            pages,
            exhausted,
            escalation,
            result,
            attempt,
            budget,
            aspects,
        )
        return None if reused is None else dict(reused)

    async def forget_all(self) -> None:
        """Drop every product's kept reviews (a benchmark run that must fetch starts from here)."""
        await self._pool.execute("TRUNCATE product_fetches, product_review_scores, product_reviews")
