"""StateManager: the only code that talks to PostgreSQL.

Every write is idempotent on a natural key so that a retried Temporal activity is harmless, and row
transitions keep the per-status counters in `job_counts` exact in the same statement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterable, Iterable, Sequence
from typing import Any, Final, cast

import asyncpg

from internal.state.intakes import IntakeLedger
from internal.state.models import (
    JOB_TRANSITIONS,
    OPEN_ROW_STATUSES,
    ROW_STATUSES,
    TERMINAL_ROW_STATUSES,
    Event,
    Job,
    JobStatus,
    NewJob,
    NewRow,
    Progress,
    RowKey,
    RowState,
    RowStatus,
    StoredReview,
    StoredScore,
)
from internal.state.statements import INSERT_EVENT

_TERMINAL = list(TERMINAL_ROW_STATUSES)
_ROW_COLUMNS = (
    "job_id",
    "row_num",
    "product_id",
    "name",
    "url",
    "source",
    "cells",
    "status",
    "reason",
    "error_column",
)


# Values PostgreSQL refuses (a NUL byte in text, a date out of its range) come from the caller's input, not from a
# bug of ours: callers map this to "invalid input".
InvalidValue = asyncpg.exceptions.DataError


class DatabaseUnreachable(Exception):
    """A new connection to PostgreSQL could not be made (refused, no socket, timed out). The driver raises the bare
    OSError, which elsewhere would mean a file problem: naming it here keeps "the database is down" one thing."""


# PostgreSQL is not there right now (stopped, restarting, refusing connections, connection cut mid-call): callers
# answer "try again later", never "bug".
DATABASE_UNAVAILABLE: Final[tuple[type[Exception], ...]] = (
    DatabaseUnreachable,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
# The server's disk is full (SQLSTATE 53100).
DatabaseDiskFull = asyncpg.exceptions.DiskFullError


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(*args, **kwargs)
    except OSError as err:
        raise DatabaseUnreachable(f"cannot connect to PostgreSQL: {err.strerror or type(err).__name__}") from err


class JobNotFound(LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} not found")
        self.job_id = job_id


class InvalidTransition(RuntimeError):
    def __init__(self, job_id: str, current: str, target: str) -> None:
        super().__init__(f"job {job_id!r} is {current}; it cannot become {target}")
        self.job_id, self.current, self.target = job_id, current, target


def content_review_id(text: str) -> str:
    """Stable id for sources that give none, so re-fetching a page does not store a review twice."""
    return "sha256:" + hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32]


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool release hook: nothing to undo. asyncpg's default runs a reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL) on every release, a second round trip for each of our one-statement calls; no statement
    here leaves session state behind (no SET, LISTEN or cursors; the intake lease releases its own advisory lock;
    the intake's temp table is meant to outlive the call), and asyncpg still rolls back a connection released
    mid-transaction."""


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class StateManager:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.intakes = IntakeLedger(pool)

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 10) -> StateManager:
        pool = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session, connect=_connect
        )
        return cls(pool)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> bool:
        return bool(await self._pool.fetchval("SELECT true"))

    # ---- jobs ---------------------------------------------------------------------------------------------

    async def create_job(self, job: NewJob) -> tuple[Job, bool]:
        """Insert the job; returns (job, created). An existing job id or idempotency key returns the stored job."""
        async with self._pool.acquire() as conn, conn.transaction():
            if job.idempotency_key is not None:
                existing = await conn.fetchrow("SELECT * FROM jobs WHERE idempotency_key = $1", job.idempotency_key)
                if existing is not None:
                    return _job(existing), False
            row = await conn.fetchrow(
                """
                INSERT INTO jobs (job_id, filename, options, header, id_column, delimiter, idempotency_key,
                                  intake_started_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN now() END)
                ON CONFLICT DO NOTHING
                RETURNING *
                """,
                job.job_id,
                job.filename,
                job.options,
                job.header,
                job.id_column,
                job.delimiter,
                job.idempotency_key,
                job.intake_started,
            )
            if row is not None:
                return _job(row), True
            # Lost a race on the id or the idempotency key: hand back whichever row won.
            existing = await conn.fetchrow(
                "SELECT * FROM jobs WHERE job_id = $1 OR idempotency_key = $2",
                job.job_id,
                job.idempotency_key,
            )
            assert existing is not None
            return _job(existing), False

    async def get_job(self, job_id: str) -> Job:
        row = await self._pool.fetchrow("SELECT * FROM jobs WHERE job_id = $1", job_id)
        if row is None:
            raise JobNotFound(job_id)
        return _job(row)

    async def list_jobs(
        self, *, limit: int = 50, status: JobStatus | None = None, before: tuple[Any, str] | None = None
    ) -> list[Job]:
        """Newest first; `before` is the (created_at, job_id) of the last job of the previous page."""
        rows = await self._pool.fetch(
            """
            SELECT * FROM jobs
            WHERE ($1::text IS NULL OR status = $1)
              AND ($2::timestamptz IS NULL OR (created_at, job_id) < ($2, $3))
            ORDER BY created_at DESC, job_id DESC
            LIMIT $4
            """,
            status,
            before[0] if before else None,
            before[1] if before else None,
            limit,
        )
        return [_job(r) for r in rows]

    async def set_job_status(
        self, job_id: str, status: JobStatus, *, error: str | None = None, workflow_id: str | None = None
    ) -> Job:
        """Move a job along JOB_TRANSITIONS. Repeating the current status is a no-op (retried activities)."""
        allowed = list(JOB_TRANSITIONS[status]) if status in JOB_TRANSITIONS else []
        row = await self._pool.fetchrow(
            """
            UPDATE jobs SET
                status = $2,
                error = COALESCE($3, error),
                workflow_id = COALESCE($4, workflow_id),
                started_at = CASE WHEN $2 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
                finished_at = CASE WHEN $2 IN ('completed', 'failed', 'cancelled') THEN now()
                                   ELSE finished_at END,
                updated_at = now()
            WHERE job_id = $1 AND status = ANY($5::text[])
            RETURNING *
            """,
            job_id,
            status,
            error,
            workflow_id,
            allowed,
        )
        if row is not None:
            return _job(row)
        current = await self.get_job(job_id)
        if current.status == status:
            return current
        raise InvalidTransition(job_id, current.status, status)

    async def set_job_layout(
        self,
        job_id: str,
        *,
        header: list[str],
        id_column: str | None,
        delimiter: str | None,
        filename: str | None = None,
    ) -> None:
        """Record what the intake found in the file (for a job created before its upload arrived)."""
        await self._pool.execute(
            """
            UPDATE jobs SET header = $2, id_column = $3, delimiter = $4, filename = COALESCE($5, filename),
                            updated_at = now()
            WHERE job_id = $1
            """,
            job_id,
            header,
            id_column,
            delimiter,
            filename,
        )

    async def clear_rows(self, job_id: str) -> None:
        """Drop the rows of a job whose intake did not complete, so a retried start begins clean."""
        await self._pool.execute("DELETE FROM job_rows WHERE job_id = $1", job_id)

    async def delete_job(self, job_id: str) -> bool:
        """Remove a job and everything under it (an upload rejected half-way must leave nothing behind)."""
        status = await self._pool.execute("DELETE FROM jobs WHERE job_id = $1", job_id)
        return status != "DELETE 0"

    # ---- rows: intake --------------------------------------------------------------------------------------

    async def add_rows(self, job_id: str, rows: Sequence[NewRow]) -> int:
        """Insert one batch of rows; re-sending a batch inserts nothing twice. Returns rows newly inserted.

        COPY into a temporary table and INSERT … ON CONFLICT from there: COPY speed, upsert semantics.
        """
        if not rows:
            return 0
        records = [
            (
                job_id,
                r.row_num,
                r.product_id,
                r.name,
                r.url,
                r.source,
                r.cells,
                "invalid" if r.error else "pending",
                r.error,
                r.error_column,
            )
            for r in rows
        ]
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS rows_stage (LIKE job_rows INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            await conn.copy_records_to_table("rows_stage", records=records, columns=_ROW_COLUMNS)
            status = await conn.execute(
                f"""
                INSERT INTO job_rows ({", ".join(_ROW_COLUMNS)})
                SELECT {", ".join(_ROW_COLUMNS)} FROM rows_stage
                ON CONFLICT (job_id, row_num) DO NOTHING
                """
            )
        return int(status.rsplit(" ", 1)[1])

    async def ingest_rows(
        self, job_id: str, rows: Iterable[NewRow] | AsyncIterable[NewRow], *, batch_size: int = 5000
    ) -> int:
        """Stream rows in bounded batches, so a million-row upload never sits in memory at once."""
        inserted = 0
        batch: list[NewRow] = []
        if isinstance(rows, AsyncIterable):
            async for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    inserted += await self.add_rows(job_id, batch)
                    batch = []
        else:
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    inserted += await self.add_rows(job_id, batch)
                    batch = []
        return inserted + await self.add_rows(job_id, batch)

    async def complete_intake(self, job_id: str) -> Progress:
        """Mark duplicates, set totals and counters. Idempotent: safe to call again after a crash."""
        async with self._pool.acquire() as conn, conn.transaction():
            # Lock the job row: two concurrent finalisers would otherwise both rewrite the counters.
            found = await conn.fetchval("SELECT 1 FROM jobs WHERE job_id = $1 FOR UPDATE", job_id)
            if found is None:
                raise JobNotFound(job_id)
            # A repeated product is enriched once: later rows point at the first and share its result.
            # The rows were inserted a moment ago, so the table's statistics still say this job has next to no
            # rows; the planner then nests one scan of the job inside another (measured: 10,000 rows took 35-65 s
            # once earlier jobs were in the table). Hash joins are linear whatever the statistics say; SET LOCAL
            # ends with this transaction.
            await conn.execute("SET LOCAL enable_nestloop = off")
            await conn.execute(
                """
                WITH firsts AS (
                    SELECT product_id, min(row_num) AS first_row
                    FROM job_rows
                    WHERE job_id = $1 AND product_id IS NOT NULL AND status <> 'invalid'
                    GROUP BY product_id
                    HAVING count(*) > 1
                )
                UPDATE job_rows r
                SET status = 'duplicate', duplicate_of = f.first_row,
                    reason = 'duplicate of row ' || f.first_row || ' (same product id); enriched once',
                    finished_at = now(), updated_at = now()
                FROM firsts f
                WHERE r.job_id = $1 AND r.product_id = f.product_id AND r.row_num > f.first_row
                  AND r.status = 'pending'
                """,
                job_id,
            )
            await conn.execute("DELETE FROM job_counts WHERE job_id = $1", job_id)
            await conn.execute(
                """
                INSERT INTO job_counts (job_id, status, n)
                SELECT $1, s, COALESCE(c.n, 0)
                FROM unnest($2::text[]) AS s
                LEFT JOIN (SELECT status, count(*) AS n FROM job_rows WHERE job_id = $1 GROUP BY status) c
                  ON c.status = s
                """,
                job_id,
                list(ROW_STATUSES),
            )
            await conn.execute(
                """
                UPDATE jobs SET total_rows = (SELECT COALESCE(sum(n), 0) FROM job_counts WHERE job_id = $1),
                                intake_complete = true, updated_at = now()
                WHERE job_id = $1
                """,
                job_id,
            )
        return await self.get_progress(job_id)

    # ---- rows: processing -----------------------------------------------------------------------------------

    async def page_row_keys(
        self,
        job_id: str,
        *,
        after_row: int = 0,
        limit: int = 500,
        statuses: Sequence[RowStatus] = ("pending",),
    ) -> list[RowKey]:
        """Row keys still to process, in row order; the job workflow pages through these."""
        rows = await self._pool.fetch(
            """
            SELECT row_num, product_id FROM job_rows
            WHERE job_id = $1 AND row_num > $2 AND status = ANY($3::text[])
            ORDER BY row_num
            LIMIT $4
            """,
            job_id,
            after_row,
            list(statuses),
            limit,
        )
        return [RowKey(row_num=r["row_num"], product_id=r["product_id"]) for r in rows]

    async def set_row_state(
        self,
        job_id: str,
        row_num: int,
        status: RowStatus,
        *,
        stage: str | None = None,
        attempt: int | None = None,
        result: dict[str, Any] | None = None,
        reason: str | None = None,
        workflow_id: str | None = None,
    ) -> RowStatus | None:
        """Set one row's state; returns the status it had before, or None when nothing changed.

        A terminal row is never touched again, so a late or retried update cannot undo a finished row.
        The counter update rides in the same statement (rows are locked before counters, everywhere).
        """
        row = await self._pool.fetchrow(
            """
            WITH prev AS (
                SELECT status FROM job_rows WHERE job_id = $1 AND row_num = $2 FOR UPDATE
            ), upd AS (
                UPDATE job_rows r SET
                    status = $3,
                    stage = COALESCE($4, r.stage),
                    attempt = GREATEST(r.attempt, COALESCE($5, r.attempt)),
                    result = COALESCE($6, r.result),
                    reason = COALESCE($7, r.reason),
                    workflow_id = COALESCE($8, r.workflow_id),
                    started_at = CASE WHEN $3 = 'running' THEN COALESCE(r.started_at, now()) ELSE r.started_at END,
                    finished_at = CASE WHEN $3 = ANY($9::text[]) THEN now() ELSE r.finished_at END,
                    updated_at = now()
                FROM prev
                WHERE r.job_id = $1 AND r.row_num = $2 AND NOT (prev.status = ANY($9::text[]))
                RETURNING prev.status AS old_status
            ), dec AS (
                UPDATE job_counts c SET n = c.n - 1
                FROM upd WHERE c.job_id = $1 AND c.status = upd.old_status AND upd.old_status <> $3
            ), inc AS (
                INSERT INTO job_counts (job_id, status, n)
                SELECT $1, $3, 1 FROM upd WHERE upd.old_status <> $3
                ON CONFLICT (job_id, status) DO UPDATE SET n = job_counts.n + 1
            )
            SELECT old_status FROM upd
            """,
            job_id,
            row_num,
            status,
            stage,
            attempt,
            result,
            reason,
            workflow_id,
            _TERMINAL,
        )
        return None if row is None else cast(RowStatus, row["old_status"])

    async def close_open_rows(self, job_id: str, status: RowStatus, reason: str) -> int:
        """Move every pending/running row to a terminal status (cancel, or a failed job). Returns rows moved."""
        moved = await self._pool.fetchval(
            """
            WITH locked AS (
                SELECT row_num, status AS old_status FROM job_rows
                WHERE job_id = $1 AND status = ANY($4::text[])
                ORDER BY row_num
                FOR UPDATE
            ), upd AS (
                UPDATE job_rows r SET status = $2, reason = COALESCE(r.reason, $3),
                                      finished_at = now(), updated_at = now()
                FROM locked l WHERE r.job_id = $1 AND r.row_num = l.row_num
                RETURNING l.old_status
            ), delta AS (
                SELECT old_status, count(*) AS n FROM upd GROUP BY old_status
            ), dec AS (
                UPDATE job_counts c SET n = c.n - d.n FROM delta d
                WHERE c.job_id = $1 AND c.status = d.old_status
            ), inc AS (
                INSERT INTO job_counts (job_id, status, n)
                SELECT $1, $2, sum(n) FROM delta HAVING count(*) > 0
                ON CONFLICT (job_id, status) DO UPDATE SET n = job_counts.n + EXCLUDED.n
            )
            SELECT COALESCE(sum(n), 0) FROM delta
            """,
            job_id,
            status,
            reason,
            list(OPEN_ROW_STATUSES),
        )
        return int(moved)

    async def get_row(self, job_id: str, row_num: int) -> RowState | None:
        row = await self._pool.fetchrow("SELECT * FROM job_rows WHERE job_id = $1 AND row_num = $2", job_id, row_num)
        return None if row is None else _row_state(row)

    async def set_row_meta(self, job_id: str, row_num: int, meta: dict[str, Any]) -> None:
        await self._pool.execute(
            "UPDATE job_rows SET product_meta = $3 WHERE job_id = $1 AND row_num = $2", job_id, row_num, meta
        )

    async def get_row_meta(self, job_id: str, row_num: int) -> dict[str, Any] | None:
        meta = await self._pool.fetchval(
            "SELECT product_meta FROM job_rows WHERE job_id = $1 AND row_num = $2", job_id, row_num
        )
        return cast("dict[str, Any] | None", meta)

    # ---- reviews and scores -----------------------------------------------------------------------------------

    async def store_reviews(self, job_id: str, row_num: int, reviews: Sequence[StoredReview]) -> int:
        """Insert reviews not stored yet for this row; returns how many were new."""
        if not reviews:
            return 0
        ids = [r.review_id or content_review_id(r.text) for r in reviews]
        status = await self._pool.execute(
            """
            INSERT INTO reviews (job_id, row_num, review_id, source, body, rating, review_date)
            SELECT $1, $2, u.review_id, u.source, u.body, u.rating, u.review_date
            FROM unnest($3::text[], $4::text[], $5::text[], $6::real[], $7::text[])
                 AS u(review_id, source, body, rating, review_date)
            ON CONFLICT (job_id, row_num, review_id) DO NOTHING
            """,
            job_id,
            row_num,
            ids,
            [r.source for r in reviews],
            [r.text for r in reviews],
            [r.rating for r in reviews],
            [r.date for r in reviews],
        )
        return int(status.rsplit(" ", 1)[1])

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
    ) -> list[StoredReview]:
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
        return [
            StoredReview(
                review_id=r["review_id"],
                text=r["body"],
                rating=r["rating"],
                date=r["review_date"],
                source=r["source"],
            )
            for r in rows
        ]

    async def uncertain_review_ids(self, job_id: str, row_num: int, scorer: str, min_confidence: float) -> list[str]:
        """Reviews `scorer` was unsure about (low confidence, or neutral/mixed): what an escalation rescores."""
        rows = await self._pool.fetch(
            """
            SELECT review_id FROM review_scores
            WHERE job_id = $1 AND row_num = $2 AND scorer = $3
              AND (confidence < $4 OR label IN ('neutral', 'mixed'))
            ORDER BY review_id
            """,
            job_id,
            row_num,
            scorer,
            min_confidence,
        )
        return [r["review_id"] for r in rows]

    async def store_scores(self, job_id: str, row_num: int, scores: Sequence[StoredScore]) -> int:
        """Upsert scores; re-scoring by the same scorer overwrites (a retried batch is harmless)."""
        if not scores:
            return 0
        status = await self._pool.execute(
            """
            INSERT INTO review_scores (job_id, row_num, review_id, scorer, sentiment, label, confidence)
            SELECT $1, $2, u.review_id, u.scorer, u.sentiment, u.label, u.confidence
            FROM unnest($3::text[], $4::text[], $5::real[], $6::text[], $7::real[])
                 AS u(review_id, scorer, sentiment, label, confidence)
            ON CONFLICT (job_id, row_num, review_id, scorer) DO UPDATE SET
                sentiment = EXCLUDED.sentiment, label = EXCLUDED.label, confidence = EXCLUDED.confidence,
                scored_at = now()
            """,
            job_id,
            row_num,
            [s.review_id for s in scores],
            [s.scorer for s in scores],
            [s.sentiment for s in scores],
            [s.label for s in scores],
            [s.confidence for s in scores],
        )
        return int(status.rsplit(" ", 1)[1])

    async def load_scores(self, job_id: str, row_num: int) -> list[tuple[StoredReview, list[StoredScore]]]:
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
        out: list[tuple[StoredReview, list[StoredScore]]] = []
        for r in rows:
            review = StoredReview(
                review_id=r["review_id"],
                text=r["body"],
                rating=r["rating"],
                date=r["review_date"],
                source=r["source"],
            )
            scores = [
                StoredScore(review_id=r["review_id"], scorer=sc, sentiment=se, label=la, confidence=co)
                for sc, se, la, co in zip(r["scorers"], r["sentiments"], r["labels"], r["confidences"], strict=False)
            ]
            out.append((review, scores))
        return out

    # ---- reading progress and results -------------------------------------------------------------------------

    async def get_progress(self, job_id: str) -> Progress:
        rows = await self._pool.fetch(
            """
            SELECT j.status AS job_status, j.total_rows, j.started_at, j.updated_at, c.status, c.n
            FROM jobs j LEFT JOIN job_counts c USING (job_id)
            WHERE j.job_id = $1
            """,
            job_id,
        )
        if not rows:
            raise JobNotFound(job_id)
        counts: dict[RowStatus, int] = dict.fromkeys(ROW_STATUSES, 0)
        for r in rows:
            if r["status"] is not None:
                counts[cast(RowStatus, r["status"])] = int(r["n"])
        first = rows[0]
        return Progress(
            job_id=job_id,
            status=first["job_status"],
            total=int(first["total_rows"]),
            counts=counts,
            started_at=first["started_at"],
            updated_at=first["updated_at"],
        )

    async def get_results(self, job_id: str, *, after_row: int = 0, limit: int = 100) -> list[RowState]:
        """Rows in row order after `after_row` (keyset pagination). Duplicates carry their first row's result."""
        rows = await self._pool.fetch(
            """
            SELECT r.job_id, r.row_num, r.product_id, r.name, r.url, r.source, r.cells, r.status, r.stage,
                   r.attempt, COALESCE(r.result, o.result) AS result, r.reason, r.error_column,
                   r.duplicate_of, r.workflow_id, r.updated_at
            FROM job_rows r
            LEFT JOIN job_rows o ON o.job_id = r.job_id AND o.row_num = r.duplicate_of
            WHERE r.job_id = $1 AND r.row_num > $2
            ORDER BY r.row_num
            LIMIT $3
            """,
            job_id,
            after_row,
            limit,
        )
        return [_row_state(r) for r in rows]

    # ---- audit log ---------------------------------------------------------------------------------------------

    async def append_event(
        self, job_id: str, kind: str, details: dict[str, Any] | None = None, *, row_num: int | None = None
    ) -> int:
        event_id = await self._pool.fetchval(
            INSERT_EVENT,
            job_id,
            row_num,
            kind,
            details or {},
        )
        return int(event_id)

    async def list_events(self, job_id: str, *, after_id: int = 0, limit: int = 100) -> list[Event]:
        rows = await self._pool.fetch(
            "SELECT * FROM events WHERE job_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3",
            job_id,
            after_id,
            limit,
        )
        return [
            Event(
                event_id=r["event_id"],
                job_id=r["job_id"],
                row_num=r["row_num"],
                kind=r["kind"],
                details=r["details"],
                created_at=r["created_at"],
            )
            for r in rows
        ]


def _job(r: asyncpg.Record) -> Job:
    return Job(
        job_id=r["job_id"],
        status=r["status"],
        filename=r["filename"],
        options=r["options"],
        header=list(r["header"]),
        id_column=r["id_column"],
        total_rows=r["total_rows"],
        intake_complete=r["intake_complete"],
        workflow_id=r["workflow_id"],
        idempotency_key=r["idempotency_key"],
        error=r["error"],
        created_at=r["created_at"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        updated_at=r["updated_at"],
    )


def _row_state(r: asyncpg.Record) -> RowState:
    return RowState(
        job_id=r["job_id"],
        row_num=r["row_num"],
        product_id=r["product_id"],
        name=r["name"],
        url=r["url"],
        source=r["source"],
        cells=list(r["cells"]),
        status=r["status"],
        stage=r["stage"],
        attempt=r["attempt"],
        result=r["result"],
        reason=r["reason"],
        error_column=r["error_column"],
        duplicate_of=r["duplicate_of"],
        workflow_id=r["workflow_id"],
        updated_at=r["updated_at"],
    )
