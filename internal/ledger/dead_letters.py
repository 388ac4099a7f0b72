"""The dead-letter store (migration 0008): every review that failed the one validation
(internal/domain/review_validation.py), pushed or pulled, with its reason, its raw payload, where it came from and
when. Shared by the push service (internal/ingest/) and the enrichment fetch activities, so it lives here with the
other records several families write.

Writes are idempotent: a pushed dead letter is keyed by its batch and position, a pulled one by the job row and
review id (a retried fetch reads the same page again). A replay marks a dead letter moved in the same transaction
that stores the review (internal/ingest/store.py), so it is moved exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg

from internal.domain.models import RejectedReview
from internal.platform.db import from_record

# $1 source, then arrays: $2 reason, $3 message, $4 payload, $5 origin, $6 batch, $7 position, $8 job, $9 row,
# $10 product, $11 review id. The push service runs it inside its batch's transaction.
INSERT_DEAD_LETTERS: Final = """
INSERT INTO dead_letters (source, reason, message, payload, origin, batch_id, position, job_id, row_num,
                          product_id, review_id)
SELECT $1, t.* FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::int[], $8::text[],
                           $9::int[], $10::text[], $11::text[])
    AS t(reason, message, payload, origin, batch_id, position, job_id, row_num, product_id, review_id)
ON CONFLICT DO NOTHING
"""
# $1 id, $2 outcome (stored | duplicate): the one statement that retires a dead letter; nothing when already moved.
MARK_REPLAYED: Final = """
UPDATE dead_letters SET replayed_at = now(), replay_outcome = $2
WHERE dead_letter_id = $1 AND replayed_at IS NULL
RETURNING dead_letter_id
"""
# $1 source, $2 reason, $3 since, $4 until, $5 before id (paging, newest first), $6 limit, $7 include replayed,
# $8 ids.
_LIST: Final = """
SELECT * FROM dead_letters
WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR reason = $2)
  AND ($3::timestamptz IS NULL OR received_at >= $3) AND ($4::timestamptz IS NULL OR received_at < $4)
  AND ($5::bigint IS NULL OR dead_letter_id < $5) AND ($7 OR replayed_at IS NULL)
  AND ($8::bigint[] IS NULL OR dead_letter_id = ANY($8))
ORDER BY dead_letter_id DESC
LIMIT $6
"""
# How many dead letters each (source, reason) has, and how many of them no replay has moved yet.
_COUNTS: Final = """
SELECT source, reason, count(*) AS total, count(*) FILTER (WHERE replayed_at IS NULL) AS waiting
FROM dead_letters GROUP BY source, reason ORDER BY source, reason
"""
_WAITING: Final = "SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL"
# A still-invalid dead letter keeps the reason the current rules give it.
_RECHECKED: Final = "UPDATE dead_letters SET reason = $2, message = $3 WHERE dead_letter_id = $1"


@dataclass(frozen=True)
class DeadLetter:
    dead_letter_id: int
    source: str
    reason: str
    message: str
    payload: dict[str, Any]
    origin: str
    batch_id: str | None
    position: int | None
    job_id: str | None
    row_num: int | None
    product_id: str | None
    review_id: str | None
    received_at: datetime
    replayed_at: datetime | None
    replay_outcome: str | None


@dataclass(frozen=True)
class DeadLetterCount:
    source: str
    reason: str
    total: int
    waiting: int  # not moved by a replay yet


@dataclass(frozen=True)
class DeadLetterFilter:
    source: str | None = None
    reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ids: Sequence[int] | None = None


def pulled_rows(
    job_id: str, row_num: int, product_id: str, rejected: Sequence[RejectedReview]
) -> tuple[list[Any], ...]:
    """The array arguments ($2..$11) of INSERT_DEAD_LETTERS for reviews a job row's fetch rejected."""
    n = len(rejected)
    return (
        [r.reason for r in rejected],
        [r.message for r in rejected],
        [r.payload for r in rejected],
        ["job"] * n,
        [None] * n,
        [None] * n,
        [job_id] * n,
        [row_num] * n,
        [product_id] * n,
        [r.review_id for r in rejected],
    )


class DeadLetterStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add_pulled(
        self, source: str, job_id: str, row_num: int, product_id: str, rejected: Sequence[RejectedReview]
    ) -> None:
        if rejected:
            await self._pool.execute(INSERT_DEAD_LETTERS, source, *pulled_rows(job_id, row_num, product_id, rejected))

    async def list(
        self, where: DeadLetterFilter, *, before: int | None = None, limit: int = 100, replayed: bool = True
    ) -> list[DeadLetter]:
        rows = await self._pool.fetch(
            _LIST,
            where.source,
            where.reason,
            where.since,
            where.until,
            before,
            limit,
            replayed,
            None if where.ids is None else list(where.ids),
        )
        return [from_record(DeadLetter, r) for r in rows]

    async def counts(self) -> Sequence[DeadLetterCount]:
        return [from_record(DeadLetterCount, r) for r in await self._pool.fetch(_COUNTS)]

    async def waiting(self) -> int:
        """Dead letters no replay has moved yet (what the page header shows)."""
        return int(await self._pool.fetchval(_WAITING))

    async def recheck(self, dead_letter_id: int, reason: str, message: str) -> None:
        await self._pool.execute(_RECHECKED, dead_letter_id, reason, message)
