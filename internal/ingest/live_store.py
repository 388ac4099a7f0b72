"""What GET /api/v1/products/{source}/{product_id} reads (migration 0008): the product's live sentiment, its last
job result, where its reviews came from, its history and its findings; and the findings the live refresh writes.

The findings are the same `product_findings` records (migration 0007) a job's analyze_feedback step writes
(internal/enrichment/findings_store.py): the layout keeps one family from importing another's store, so the few
statements the live refresh needs are here, with the same upsert on the product's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

import asyncpg

from internal.domain.models import Review

_LIVE: Final = "SELECT * FROM live_products WHERE source = $1 AND product_id = $2"
_JOB_RESULT: Final = """
SELECT result, fetched_at, job_id, row_num FROM product_fetches
WHERE source = $1 AND product_id = $2 AND result IS NOT NULL
"""
_ORIGINS: Final = """
SELECT CASE WHEN origin = 'push' THEN 'push' ELSE 'jobs' END AS origin, count(*) AS n FROM product_reviews
WHERE source = $1 AND product_id = $2 GROUP BY 1
"""
_HISTORY: Final = """
SELECT * FROM (
    SELECT history_id, origin, generation, job_id, row_num, review_count, mean_sentiment, score_5, ci95_low,
           ci95_high, label, recorded_at, aspects
    FROM product_sentiment_history WHERE source = $1 AND product_id = $2 ORDER BY history_id DESC LIMIT $3
) h ORDER BY history_id
"""

# $1 source, $2 product: its latest findings, whatever reviews they were computed from (a job's or the live refresh's).
_FINDINGS: Final = (
    "SELECT findings, review_count, computed_at FROM product_findings WHERE source = $1 AND product_id = $2"
)
# $3 fingerprint: the stored findings when they were computed from these reviews and verdicts.
_FINDINGS_CURRENT: Final = """
SELECT findings FROM product_findings WHERE source = $1 AND product_id = $2 AND fingerprint = $3
"""
# Every kept review of the product (pushed or pulled): the texts the findings quote verbatim.
_REVIEWS: Final = """
SELECT review_id, body, rating, review_date, origin FROM product_reviews WHERE source = $1 AND product_id = $2
"""
# $3 fingerprint, $4 reviews counted, $5 findings.
_SAVE_FINDINGS: Final = """
INSERT INTO product_findings (source, product_id, fingerprint, review_count, findings) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (source, product_id) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, review_count = EXCLUDED.review_count, findings = EXCLUDED.findings,
    computed_at = now()
"""

# The product's reviews that arrived between two history points ($3 exclusive, $4 inclusive): a pushed review
# arrived with the first live sentiment that counted it (published_at is set in the transaction that records that
# history row, so it equals the row's recorded_at); a pulled one when a job first stored it. Each with its latest
# verdict; in order of arrival, then of the review's own date. $5 limit.
_ARRIVED: Final = """
WITH arrived AS (
    SELECT r.review_id, r.body, r.rating, r.review_date, r.origin,
           CASE WHEN r.origin = 'push' THEN p.published_at ELSE r.first_seen END AS arrived_at
    FROM product_reviews r
    LEFT JOIN pushed_reviews p ON r.origin = 'push' AND p.source = r.source AND p.review_id = r.review_id
    WHERE r.source = $1 AND r.product_id = $2
)
SELECT a.*, s.sentiment, s.label, count(*) OVER () AS total FROM arrived a
LEFT JOIN LATERAL (
    SELECT sentiment, label FROM product_review_scores
    WHERE source = $1 AND product_id = $2 AND review_id = a.review_id ORDER BY scored_at DESC, scorer LIMIT 1
) s ON true
WHERE ($3::timestamptz IS NULL OR a.arrived_at > $3) AND a.arrived_at <= $4
ORDER BY a.arrived_at, a.review_date, a.review_id
LIMIT $5
"""


@dataclass(frozen=True)
class ArrivedReview:
    review_id: str
    text: str
    rating: float | None
    date: str | None
    origin: str
    arrived_at: datetime
    sentiment: float | None
    label: str | None


@dataclass(frozen=True)
class ProductState:
    live: dict[str, Any] | None  # the live_products row: sentiment, updated_at, generation, published
    job: dict[str, Any] | None  # the last job result: result, fetched_at, job_id, row_num
    origins: dict[str, int]
    history: list[dict[str, Any]]
    findings: dict[str, Any] | None = None  # the product_findings row: findings, review_count, computed_at


class LiveStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def product(self, source: str, product_id: str, *, history: int = 1000) -> ProductState:
        async with self._pool.acquire() as conn:
            live = await conn.fetchrow(_LIVE, source, product_id)
            job = await conn.fetchrow(_JOB_RESULT, source, product_id)
            origins = {r["origin"]: int(r["n"]) for r in await conn.fetch(_ORIGINS, source, product_id)}
            rows = await conn.fetch(_HISTORY, source, product_id, history)
            findings = await conn.fetchrow(_FINDINGS, source, product_id)
        return ProductState(
            live=None if live is None else dict(live),
            job=None if job is None else dict(job),
            origins=origins,
            history=[dict(r) for r in rows],
            findings=None if findings is None else dict(findings),
        )

    # ---- the live refresh's findings -------------------------------------------------------------------------

    async def findings_current(self, source: str, product_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The product's stored findings when they were computed from the reviews and verdicts of `fingerprint`,
        else None."""
        return cast(
            "dict[str, Any] | None", await self._pool.fetchval(_FINDINGS_CURRENT, source, product_id, fingerprint)
        )

    async def reviews(self, source: str, product_id: str) -> list[Review]:
        rows = await self._pool.fetch(_REVIEWS, source, product_id)
        return [Review(r["review_id"], r["body"], r["rating"], r["review_date"], r["origin"]) for r in rows]

    async def save_findings(
        self, source: str, product_id: str, *, fingerprint: str, review_count: int, findings: dict[str, Any]
    ) -> None:
        await self._pool.execute(_SAVE_FINDINGS, source, product_id, fingerprint, review_count, findings)

    async def arrived_between(
        self, source: str, product_id: str, after: datetime | None, upto: datetime, *, limit: int
    ) -> tuple[int, list[ArrivedReview]]:
        """How many reviews arrived after `after` (None: from the start) up to `upto`, and the first `limit`."""
        rows = await self._pool.fetch(_ARRIVED, source, product_id, after, upto, limit)
        total = int(rows[0]["total"]) if rows else 0
        return total, [
            ArrivedReview(
                r["review_id"],
                r["body"],
                r["rating"],
                r["review_date"],
                r["origin"],
                r["arrived_at"],
                r["sentiment"],
                r["label"],
            )
            for r in rows
        ]

    async def published_at(self, batch_id: str) -> tuple[int, int, datetime | None]:
        """(reviews the batch stored, how many of them a published sentiment counts, the latest publish time)."""
        row = await self._pool.fetchrow(
            "SELECT count(*) AS n, count(published_at) AS done, max(published_at) AS at FROM pushed_reviews "
            "WHERE batch_id = $1",
            batch_id,
        )
        assert row is not None  # an aggregate always answers one row
        return int(row["n"]), int(row["done"]), row["at"]
