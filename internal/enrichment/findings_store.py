"""The findings aggregate (migration 0007): a product's aspects and evidence (internal/domain/findings.py), kept per
product with the fingerprint of the reviews they were computed from, and per row for the job's outputs.

Written by the analyze_feedback activity (internal/enrichment/findings_step.py), read by the results, the CSV, the
product page and the overview (internal/enrichment/findings_service.py). Every write is an upsert on its key, so a
retried activity rewrites the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

import asyncpg

from internal.domain.models import Label, Review, ReviewScore

# $1 source, $2 product, $3 fingerprint: the product's stored findings when they were computed from these reviews.
_PRODUCT_FINDINGS: Final = """
SELECT findings FROM product_findings WHERE source = $1 AND product_id = $2 AND fingerprint = $3
"""
# $1 source, $2 product: its latest stored findings, whatever reviews they were computed from.
_LATEST_PRODUCT_FINDINGS: Final = """
SELECT findings, review_count, computed_at FROM product_findings WHERE source = $1 AND product_id = $2
"""
# One statement for both records. The product's are written only when this row computed them (a row that reused
# them leaves them as they are) and it has a product id. $1 job, $2 row, $3 source, $4 product, $5 fingerprint,
# $6 reviews, $7 findings, $8 reused.
_SAVE: Final = """
WITH pf AS (
    INSERT INTO product_findings (source, product_id, fingerprint, review_count, findings)
    SELECT $3, $4, $5, $6, $7 WHERE NOT $8 AND $4 <> ''
    ON CONFLICT (source, product_id) DO UPDATE SET
        fingerprint = EXCLUDED.fingerprint, review_count = EXCLUDED.review_count, findings = EXCLUDED.findings,
        computed_at = now()
)
INSERT INTO row_findings (job_id, row_num, fingerprint, review_count, findings, reused)
VALUES ($1, $2, $5, $6, $7, $8)
ON CONFLICT (job_id, row_num) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, review_count = EXCLUDED.review_count, findings = EXCLUDED.findings,
    reused = EXCLUDED.reused, computed_at = now()
"""
# A duplicate row shares its first row's result, and so its findings. $1 job, $2 row numbers.
_ROWS_FINDINGS: Final = """
SELECT r.row_num, f.findings FROM job_rows r
JOIN row_findings f ON f.job_id = r.job_id AND f.row_num = COALESCE(r.duplicate_of, r.row_num)
WHERE r.job_id = $1 AND r.row_num = ANY($2::int[])
"""
# Every row's findings with its result and cells, keyset-paged: what the overview reads. $1 job, $2 after, $3 limit.
_JOB_PAGE: Final = """
SELECT r.row_num, r.product_id, r.name, r.cells, r.status, COALESCE(r.result, o.result) AS result, f.findings
FROM job_rows r
LEFT JOIN job_rows o ON o.job_id = r.job_id AND o.row_num = r.duplicate_of
LEFT JOIN row_findings f ON f.job_id = r.job_id AND f.row_num = COALESCE(r.duplicate_of, r.row_num)
WHERE r.job_id = $1 AND r.row_num > $2
ORDER BY r.row_num
LIMIT $3
"""
# A row's reviews in review-id order with every scorer's verdict, a page at a time. $1 job, $2 row, $3 offset,
# $4 limit.
_REVIEW_PAGE: Final = """
SELECT r.review_id, r.body, r.rating, r.review_date, r.source,
       COALESCE(array_agg(s.scorer ORDER BY s.scored_at) FILTER (WHERE s.scorer IS NOT NULL), '{}') AS scorers,
       array_agg(s.sentiment ORDER BY s.scored_at) AS sentiments,
       array_agg(s.label ORDER BY s.scored_at) AS labels,
       array_agg(s.confidence ORDER BY s.scored_at) AS confidences
FROM (SELECT * FROM reviews WHERE job_id = $1 AND row_num = $2 ORDER BY review_id OFFSET $3 LIMIT $4) r
LEFT JOIN review_scores s USING (job_id, row_num, review_id)
GROUP BY r.review_id, r.body, r.rating, r.review_date, r.source
ORDER BY r.review_id
"""
_COUNT_REVIEWS: Final = "SELECT count(*) FROM reviews WHERE job_id = $1 AND row_num = $2"
_REVIEW_TEXTS: Final = "SELECT review_id, body FROM reviews WHERE job_id = $1 AND row_num = $2"

ScoredReviews = list[tuple[Review, list[ReviewScore]]]


class FindingsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def product_findings(self, source: str, product_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The product's stored findings when they were computed from the same reviews, else None."""
        if not product_id:
            return None
        found = await self._pool.fetchval(_PRODUCT_FINDINGS, source, product_id, fingerprint)
        return cast("dict[str, Any] | None", found)

    async def latest_product_findings(self, source: str, product_id: str) -> dict[str, Any] | None:
        """The product's latest findings with their review count and time, or None."""
        row = await self._pool.fetchrow(_LATEST_PRODUCT_FINDINGS, source, product_id)
        return None if row is None else dict(row)

    async def save_findings(
        self,
        job_id: str,
        row_num: int,
        source: str,
        product_id: str,
        *,
        fingerprint: str,
        review_count: int,
        findings: dict[str, Any],
        reused: bool,
    ) -> None:
        await self._pool.execute(
            _SAVE, job_id, row_num, source, product_id or "", fingerprint, review_count, findings, reused
        )

    async def rows_findings(self, job_id: str, row_nums: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The findings of some rows of a job, by row number (rows without any are absent)."""
        if not row_nums:
            return {}
        rows = await self._pool.fetch(_ROWS_FINDINGS, job_id, list(row_nums))
        return {int(r["row_num"]): r["findings"] for r in rows}

    async def job_page(self, job_id: str, *, after_row: int, limit: int) -> list[dict[str, Any]]:
        """A page of the job's rows with their result, cells and findings (what the overview adds up)."""
        return [dict(r) for r in await self._pool.fetch(_JOB_PAGE, job_id, after_row, limit)]

    async def review_page(self, job_id: str, row_num: int, *, offset: int, limit: int) -> tuple[int, ScoredReviews]:
        """How many reviews the row has, and a page of them with every scorer's verdict."""
        async with self._pool.acquire() as conn:
            total = int(await conn.fetchval(_COUNT_REVIEWS, job_id, row_num))
            rows = await conn.fetch(_REVIEW_PAGE, job_id, row_num, offset, limit)
        out: ScoredReviews = []
        for r in rows:
            review = Review(
                review_id=r["review_id"], text=r["body"], rating=r["rating"], date=r["review_date"], source=r["source"]
            )
            scores = [
                ReviewScore(review_id=r["review_id"], scorer=sc, sentiment=se, label=cast(Label, la), confidence=co)
                for sc, se, la, co in zip(r["scorers"], r["sentiments"], r["labels"], r["confidences"], strict=False)
            ]
            out.append((review, scores))
        return total, out

    async def review_texts(self, job_id: str, row_num: int) -> dict[str, str]:
        """Every stored review text of a row by id: what a quote must be a verbatim part of."""
        rows = await self._pool.fetch(_REVIEW_TEXTS, job_id, row_num)
        return {r["review_id"]: r["body"] for r in rows}
