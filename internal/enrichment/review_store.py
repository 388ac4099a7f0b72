"""The reviews aggregate: the reviews fetched for a row (`reviews`) and each scorer's verdict on them
(`review_scores`, one per scorer, so an escalation keeps the cheaper scorer's verdict)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import asyncpg

from internal.domain.ids import content_id
from internal.domain.models import Label, Review, ReviewScore


def content_review_id(text: str) -> str:
    """The id of a review its source stored without one: its text with whitespace runs made one space.

    This is not the rule the sources use for their own fallback (several fields, not normalised): both kinds of id
    are already stored in the `reviews` key, so neither rule can change without storing existing reviews twice.
    """
    return content_id(" ".join(text.split()))


class ReviewStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def store_reviews(self, job_id: str, row_num: int, reviews: Sequence[Review], *, requests: int = 0) -> int:
        """Insert reviews not stored yet for this row; returns how many were new. `requests` (the source requests
        that brought them) is added to the row's costs in the same statement."""
        if not reviews and not requests:
            return 0
        ids = [r.review_id or content_review_id(r.text) for r in reviews]
        new = await self._pool.fetchval(
            """
            WITH cost AS (
                UPDATE job_rows SET source_requests = source_requests + $8
                WHERE $8 > 0 AND job_id = $1 AND row_num = $2
            ), ins AS (
                INSERT INTO reviews (job_id, row_num, review_id, source, body, rating, review_date)
                SELECT $1, $2, u.review_id, u.source, u.body, u.rating, u.review_date
                FROM unnest($3::text[], $4::text[], $5::text[], $6::real[], $7::text[])
                     AS u(review_id, source, body, rating, review_date)
                ON CONFLICT (job_id, row_num, review_id) DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM ins
            """,
            job_id,
            row_num,
            ids,
            [r.source for r in reviews],
            [r.text for r in reviews],
            [r.rating for r in reviews],
            [r.date for r in reviews],
            requests,
        )
        return int(new)

    async def add_costs(self, job_id: str, row_num: int, *, source_requests: int = 0, scorer_calls: int = 0) -> None:
        """Count requests and calls that stored nothing (they failed): they were made, and may be billed."""
        await self._pool.execute(
            "UPDATE job_rows SET source_requests = source_requests + $3, scorer_calls = scorer_calls + $4 "
            "WHERE job_id = $1 AND row_num = $2",
            job_id,
            row_num,
            source_requests,
            scorer_calls,
        )

    async def count_reviews(self, job_id: str, row_num: int) -> int:
        n = await self._pool.fetchval(
            "SELECT count(*) FROM reviews WHERE job_id = $1 AND row_num = $2", job_id, row_num
        )
        return int(n)

    async def unscored_reviews(
        self,
        job_id: str,
        row_num: int,
        scorer: str,
        *,
        limit: int = 500,
        only_ids: Sequence[str] | None = None,
    ) -> list[Review]:
        """Reviews of a row that `scorer` has not scored yet (optionally restricted to some ids)."""
        rows = await self._pool.fetch(
            """
            SELECT r.review_id, r.body, r.rating, r.review_date, r.source FROM reviews r
            WHERE r.job_id = $1 AND r.row_num = $2
              AND ($5::text[] IS NULL OR r.review_id = ANY($5::text[]))
              AND NOT EXISTS (SELECT 1 FROM review_scores s WHERE s.job_id = r.job_id AND s.row_num = r.row_num
                              AND s.review_id = r.review_id AND s.scorer = $3)
            ORDER BY r.review_id
            LIMIT $4
            """,
            job_id,
            row_num,
            scorer,
            limit,
            None if only_ids is None else list(only_ids),
        )
        return [_review(r) for r in rows]

    async def uncertain_review_ids(
        self, job_id: str, row_num: int, scorer: str, min_confidence: float, *, limit: int | None = None
    ) -> list[str]:
        """Reviews `scorer` was unsure about (low confidence, or neutral/mixed): what an escalation rescores; with
        `limit`, only that many, the least confident first."""
        rows = await self._pool.fetch(
            """
            SELECT review_id FROM review_scores
            WHERE job_id = $1 AND row_num = $2 AND scorer = $3
              AND (confidence < $4 OR label IN ('neutral', 'mixed'))
            ORDER BY confidence, review_id
            LIMIT $5
            """,
            job_id,
            row_num,
            scorer,
            min_confidence,
            limit,
        )
        return [r["review_id"] for r in rows]

    async def store_scores(self, job_id: str, row_num: int, scores: Sequence[ReviewScore], *, calls: int = 0) -> int:
        """Upsert scores; re-scoring by the same scorer overwrites (a retried batch is harmless). `calls` (the
        scorer calls that produced them) is added to the row's costs in the same statement."""
        if not scores and not calls:
            return 0
        n = await self._pool.fetchval(
            """
            WITH cost AS (
                UPDATE job_rows SET scorer_calls = scorer_calls + $8
                WHERE $8 > 0 AND job_id = $1 AND row_num = $2
            ), ups AS (
                INSERT INTO review_scores (job_id, row_num, review_id, scorer, sentiment, label, confidence)
                SELECT $1, $2, u.review_id, u.scorer, u.sentiment, u.label, u.confidence
                FROM unnest($3::text[], $4::text[], $5::real[], $6::text[], $7::real[])
                     AS u(review_id, scorer, sentiment, label, confidence)
                ON CONFLICT (job_id, row_num, review_id, scorer) DO UPDATE SET
                    sentiment = EXCLUDED.sentiment, label = EXCLUDED.label, confidence = EXCLUDED.confidence,
                    scored_at = now()
                RETURNING 1
            )
            SELECT count(*) FROM ups
            """,
            job_id,
            row_num,
            [s.review_id for s in scores],
            [s.scorer for s in scores],
            [s.sentiment for s in scores],
            [s.label for s in scores],
            [s.confidence for s in scores],
            calls,
        )
        return int(n)

    async def load_scores(self, job_id: str, row_num: int) -> list[tuple[Review, list[ReviewScore]]]:
        """Every review of a row with all its scores (one per scorer that saw it), for aggregation."""
        rows = await self._pool.fetch(
            """
            SELECT r.review_id, r.body, r.rating, r.review_date, r.source,
                   COALESCE(array_agg(s.scorer ORDER BY s.scored_at) FILTER (WHERE s.scorer IS NOT NULL), '{}')
                       AS scorers,
                   array_agg(s.sentiment ORDER BY s.scored_at) AS sentiments,
                   array_agg(s.label ORDER BY s.scored_at) AS labels,
                   array_agg(s.confidence ORDER BY s.scored_at) AS confidences
            FROM reviews r
            LEFT JOIN review_scores s USING (job_id, row_num, review_id)
            WHERE r.job_id = $1 AND r.row_num = $2
            GROUP BY r.review_id, r.body, r.rating, r.review_date, r.source
            ORDER BY r.review_id
            """,
            job_id,
            row_num,
        )
        out: list[tuple[Review, list[ReviewScore]]] = []
        for r in rows:
            scores = [
                # `label` is whatever a scorer wrote; the scorers only ever write a Label.
                ReviewScore(review_id=r["review_id"], scorer=sc, sentiment=se, label=cast(Label, la), confidence=co)
                for sc, se, la, co in zip(r["scorers"], r["sentiments"], r["labels"], r["confidences"], strict=False)
            ]
            out.append((_review(r), scores))
        return out


def _review(r: asyncpg.Record) -> Review:
    return Review(
        review_id=r["review_id"], text=r["body"], rating=r["rating"], date=r["review_date"], source=r["source"]
    )
