"""What the announce at a job's end reads: the schedule a job ran for, a job's products, each product's new result
beside its previous one, and the reviews that are new since then. Reads only; the tables are the job ledger's
(`job_rows`, `reviews`, `review_scores`) and the schedules' (`schedule_runs`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from internal.platform.db import from_record

# Row statuses that carry a product result worth comparing.
_DECIDED = ("succeeded", "low_confidence")


@dataclass(frozen=True, slots=True)
class ProductChange:
    """A product of the job with a decided result, and its latest decided result in an earlier-finished job."""

    row_num: int
    product_id: str
    name: str | None
    result: dict[str, Any]
    previous_job: str
    previous_row: int
    previous_result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewReview:
    review_id: str
    body: str
    rating: float | None
    sentiment: float | None


class AnnounceStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def schedule_of(self, job_id: str) -> str | None:
        """The schedule whose run made this job, if one did."""
        found = await self._pool.fetchval("SELECT schedule_id FROM schedule_runs WHERE job_id = $1", job_id)
        return None if found is None else str(found)

    async def has_product(self, job_id: str, product_id: str) -> bool:
        return bool(
            await self._pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM job_rows WHERE job_id = $1 AND product_id = $2)", job_id, product_id
            )
        )

    async def schedule_has_product(self, schedule_id: str, product_id: str) -> bool:
        """Whether a job of one of the schedule's runs had this product."""
        return bool(
            await self._pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM schedule_runs s JOIN job_rows r USING (job_id) "
                "WHERE s.schedule_id = $1 AND r.product_id = $2)",
                schedule_id,
                product_id,
            )
        )

    async def changes(self, job_id: str, *, after_row: int, limit: int) -> list[ProductChange]:
        """The job's decided products after `after_row` (by row number) that have a previous decided result from
        the same source in another job that finished before them."""
        rows = await self._pool.fetch(
            """
            SELECT r.row_num, r.product_id, r.name, r.result,
                   p.job_id AS previous_job, p.row_num AS previous_row, p.result AS previous_result
            FROM job_rows r
            CROSS JOIN LATERAL (
                SELECT q.job_id, q.row_num, q.result FROM job_rows q
                WHERE q.product_id = r.product_id AND q.result IS NOT NULL AND q.job_id <> r.job_id
                  AND q.status = ANY($4::text[]) AND q.finished_at < r.finished_at
                  AND q.result->>'source' IS NOT DISTINCT FROM r.result->>'source'
                ORDER BY q.finished_at DESC LIMIT 1
            ) p
            WHERE r.job_id = $1 AND r.row_num > $2 AND r.status = ANY($4::text[]) AND r.result IS NOT NULL
              AND r.product_id IS NOT NULL
            ORDER BY r.row_num
            LIMIT $3
            """,
            job_id,
            after_row,
            limit,
            list(_DECIDED),
        )
        return [from_record(ProductChange, r) for r in rows]

    async def new_reviews(self, job_id: str, row_num: int, previous_job: str, previous_row: int) -> list[NewReview]:
        """The row's reviews that the previous result's row did not have, most negative first."""
        rows = await self._pool.fetch(
            """
            SELECT v.review_id, v.body, v.rating, s.sentiment
            FROM reviews v
            LEFT JOIN LATERAL (
                SELECT sentiment FROM review_scores s
                WHERE s.job_id = v.job_id AND s.row_num = v.row_num AND s.review_id = v.review_id
                ORDER BY s.scored_at DESC LIMIT 1
            ) s ON true
            WHERE v.job_id = $1 AND v.row_num = $2
              AND NOT EXISTS (SELECT 1 FROM reviews o
                              WHERE o.job_id = $3 AND o.row_num = $4 AND o.review_id = v.review_id)
            ORDER BY s.sentiment ASC NULLS LAST, v.review_id
            """,
            job_id,
            row_num,
            previous_job,
            previous_row,
        )
        return [from_record(NewReview, r) for r in rows]
