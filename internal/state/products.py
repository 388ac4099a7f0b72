"""The products aggregate: reviews and scores per (source, product), apart from any job (migration 0003).

A row claims its product before fetching (`claim`), and publishes what it fetched and scored when it finishes
(`publish`). Claims are serialised per product by a row lock on `product_fetches`, so of two rows of concurrent
jobs asking for one product, one fetches and the other waits and then reuses. Both statements are idempotent: a
retried claim by the same row gets the same answer (copies are ON CONFLICT DO NOTHING), a retried publish rewrites
the same values.
"""

from __future__ import annotations

from typing import Any, Final

import asyncpg

from internal.domain.reuse import FETCH_LEASE_SECONDS, ReviewClaim
from internal.state.models import OPEN_ROW_STATUSES, Provenance

_LOCK_PRODUCT: Final = """
INSERT INTO product_fetches (source, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
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

# $1 source, $2 product, $3 job, $4 row: the row's reviews and scores, into the product's. In key order, so that two
# rows publishing the same product at once (both fetched it: max age 0, or refreshes) wait rather than deadlock.
_PUBLISH_REVIEWS: Final = """
INSERT INTO product_reviews (source, product_id, review_id, origin, body, rating, review_date)
SELECT $1, $2, review_id, source, body, rating, review_date FROM reviews WHERE job_id = $3 AND row_num = $4
ORDER BY review_id
ON CONFLICT (source, product_id, review_id) DO NOTHING
"""
_PUBLISH_SCORES: Final = """
INSERT INTO product_review_scores (source, product_id, review_id, scorer, sentiment, label, confidence, scored_at)
SELECT $1, $2, review_id, scorer, sentiment, label, confidence, scored_at FROM review_scores
WHERE job_id = $3 AND row_num = $4
ORDER BY review_id, scorer
ON CONFLICT (source, product_id, review_id, scorer) DO UPDATE SET
    sentiment = EXCLUDED.sentiment, label = EXCLUDED.label, confidence = EXCLUDED.confidence,
    scored_at = EXCLUDED.scored_at
"""
# Only a row that sent requests moves `fetched_at`: a row that reused reviews must not make them look newer.
# $1 source, $2 product, $3 job, $4 row, $5 cursor, $6 pages, $7 exhausted, $8 escalation, $9 result,
# $10 attempt, $11 budget.
_PUBLISH_FETCH: Final = """
INSERT INTO product_fetches AS f (source, product_id, fetched_at, job_id, row_num, next_cursor, pages, exhausted,
                                  escalation, meta, result, attempt, budget)
SELECT $1, $2, now(), $3, $4, $5, $6, $7, $8, r.product_meta, $9, $10, $11
FROM job_rows r WHERE r.job_id = $3 AND r.row_num = $4 AND r.source_requests > 0
ON CONFLICT (source, product_id) DO UPDATE SET
    fetched_at = now(), job_id = $3, row_num = $4, next_cursor = $5, pages = $6, exhausted = $7, escalation = $8,
    meta = EXCLUDED.meta, result = $9, attempt = $10, budget = $11
"""
_RELEASE: Final = """
UPDATE product_fetches SET holder_job = NULL, holder_row = NULL, held_until = NULL
WHERE source = $1 AND product_id = $2 AND holder_job = $3 AND holder_row = $4
"""


class ProductStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim_reviews(
        self, job_id: str, row_num: int, source: str, product_id: str, *, max_age_seconds: int, refresh: bool
    ) -> ReviewClaim:
        """Decide, under the product's row lock, whether this row reuses, waits, fetches or refreshes."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_PRODUCT, source, product_id)
            f = await conn.fetchrow(
                _READ_PRODUCT, source, product_id, float(max_age_seconds), job_id, row_num, list(OPEN_ROW_STATUSES)
            )
            assert f is not None  # inserted just above, in this transaction
            stored = f["fetched_at"] is not None
            if f["fresh"] and not refresh:
                return await self._copy(conn, "reuse", f, job_id, row_num)
            if f["held"]:
                await conn.execute(
                    _SET_STAGE, job_id, row_num, f"waiting: job {f['holder_job']} is fetching this product"
                )
                return ReviewClaim(action="wait", holder_job=f["holder_job"])
            await conn.execute(_HOLD, source, product_id, job_id, row_num, float(FETCH_LEASE_SECONDS))
            if refresh and stored:
                return await self._copy(conn, "refresh", f, job_id, row_num)
            return ReviewClaim(action="fetch")

    async def _copy(
        self, conn: asyncpg.pool.PoolConnectionProxy, action: str, f: asyncpg.Record, job_id: str, row_num: int
    ) -> ReviewClaim:
        await conn.execute(_COPY_REVIEWS, f["source"], f["product_id"], job_id, row_num)
        await conn.execute(_COPY_SCORES, f["source"], f["product_id"], job_id, row_num)
        reviews = int(await conn.fetchval(_COUNT_ROW_REVIEWS, job_id, row_num))
        claim = ReviewClaim(
            action="reuse" if action == "reuse" else "refresh",
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
    ) -> None:
        """Keep a finished row's reviews and scores for its product, with where its fetch and attempts stood, and
        release the product if it held it."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_PUBLISH_REVIEWS, source, product_id, job_id, row_num)
            await conn.execute(_PUBLISH_SCORES, source, product_id, job_id, row_num)
            await conn.execute(
                _PUBLISH_FETCH,
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
            )
            await conn.execute(_RELEASE, source, product_id, job_id, row_num)

    async def row_provenance(self, job_id: str, row_num: int) -> Provenance:
        """Where the row's reviews came from (its `reused` record, set by a reuse or refresh claim; None when it
        fetched everything itself) and whether it fetched or scored anything of its own."""
        r = await self._pool.fetchrow(
            "SELECT reused, source_requests + scorer_calls > 0 AS spent FROM job_rows "
            "WHERE job_id = $1 AND row_num = $2",
            job_id,
            row_num,
        )
        if r is None:
            return Provenance(reused=None, spent=False)
        return Provenance(reused=None if r["reused"] is None else dict(r["reused"]), spent=bool(r["spent"]))

    async def forget_all(self) -> None:
        """Drop every product's kept reviews (a benchmark run that must fetch starts from here)."""
        await self._pool.execute("TRUNCATE product_fetches, product_review_scores, product_reviews")
