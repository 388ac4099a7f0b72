"""The jobs aggregate: one row of `jobs` per upload, its status machine, and its per-status row counters."""

from __future__ import annotations

from typing import Any, cast

import asyncpg

from internal.domain.errors import ServiceError
from internal.domain.lifecycle import (
    JOB_TRANSITIONS,
    ROW_STATUSES,
    TERMINAL_JOB_STATUSES,
    InvalidTransition,
    JobStatus,
    RowStatus,
)
from internal.ledger.records import Costs, Job, NewJob, Progress
from internal.ledger.statements import INSERT_EVENT
from internal.platform.db import affected, from_record


class JobNotFound(ServiceError):
    """No job has this id: one "not found" for every layer (stores, facade, service, API)."""

    status, code = 404, "job_not_found"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} not found")
        self.job_id = job_id


class JobStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create_job(self, job: NewJob) -> tuple[Job, bool]:
        """Insert the job; returns (job, created). An existing job id or idempotency key returns the stored job."""
        async with self._pool.acquire() as conn, conn.transaction():
            if job.idempotency_key is not None:
                existing = await conn.fetchrow("SELECT * FROM jobs WHERE idempotency_key = $1", job.idempotency_key)
                if existing is not None:
                    return from_record(Job, existing), False
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
                return from_record(Job, row), True
            # Lost a race on the id or the idempotency key: hand back whichever row won.
            existing = await conn.fetchrow(
                "SELECT * FROM jobs WHERE job_id = $1 OR idempotency_key = $2",
                job.job_id,
                job.idempotency_key,
            )
            assert existing is not None
            return from_record(Job, existing), False

    async def get_job(self, job_id: str) -> Job:
        row = await self._pool.fetchrow("SELECT * FROM jobs WHERE job_id = $1", job_id)
        if row is None:
            raise JobNotFound(job_id)
        return from_record(Job, row)

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
        return [from_record(Job, r) for r in rows]

    async def set_job_status(
        self, job_id: str, status: JobStatus, *, error: str | None = None, workflow_id: str | None = None
    ) -> Job:
        """Move a job along JOB_TRANSITIONS. Repeating the current status is a no-op (retried activities).

        `completed` is what a job's run asks for when its rows ran out; a job in which no row could run at all
        (every row invalid) is `failed` instead, with the reason (nothing_could_run): the store decides, so every
        enricher and every recorded workflow history ends such a job the same way."""
        if status == "completed":
            reason = await self.nothing_could_run(job_id)
            if reason is not None:
                status, error = "failed", reason
        allowed = list(JOB_TRANSITIONS[status]) if status in JOB_TRANSITIONS else []
        row = await self._pool.fetchrow(
            """
            UPDATE jobs SET
                status = $2,
                error = COALESCE($3, error),
                workflow_id = COALESCE($4, workflow_id),
                started_at = CASE WHEN $2 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
                finished_at = CASE WHEN $2 = ANY($6::text[]) THEN now()
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
            list(TERMINAL_JOB_STATUSES),
        )
        if row is not None:
            return from_record(Job, row)
        current = await self.get_job(job_id)
        if current.status == status:
            return current
        raise InvalidTransition(job_id, current.status, status)

    async def nothing_could_run(self, job_id: str) -> str | None:
        """Why no row of the job could run, or None when at least one could: every row is invalid (a duplicate is
        always of a row that is not). Names the first invalid row, its column and its reason."""
        # The counters decide (O(1)); the first invalid row is looked up only for a job that has nothing else, so
        # a million-row job with runnable rows never scans its rows here.
        found = await self._pool.fetchrow(
            """
            SELECT j.total_rows, j.header, c.n AS invalid,
                   (SELECT row(row_num, reason, error_column) FROM job_rows
                    WHERE job_id = j.job_id AND status = 'invalid' ORDER BY row_num LIMIT 1) AS first
            FROM jobs j
            JOIN job_counts c ON c.job_id = j.job_id AND c.status = 'invalid'
            WHERE j.job_id = $1 AND j.intake_complete AND j.total_rows > 0 AND c.n >= j.total_rows
            """,
            job_id,
        )
        if found is None:
            return None
        header = list(found["header"])
        row_num, reason, column = found["first"]
        where = f"row {row_num}"
        if column is not None:
            named = 0 < column <= len(header)
            where += f", column {header[column - 1]!r}" if named else f", column {column}"
        counted = f"{int(found['invalid']):,} of {int(found['total_rows']):,} rows invalid"
        return f"no row could run: {counted} (first: {where}: {reason})"

    async def fail_if_nothing_can_run(self, job_id: str) -> Job | None:
        """A job just stored in which no row can run is failed before it starts (with nothing_could_run's reason
        and a `job.failed` event); None, and nothing changed, when some row can run."""
        reason = await self.nothing_could_run(job_id)
        if reason is None:
            return None
        job = await self.set_job_status(job_id, "failed", error=reason)
        await self._pool.execute(INSERT_EVENT, job_id, None, "job.failed", {"error": reason, "before_start": True})
        return job

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

    async def delete_job(self, job_id: str) -> bool:
        """Remove a job and everything under it (an upload rejected half-way must leave nothing behind)."""
        return affected(await self._pool.execute("DELETE FROM jobs WHERE job_id = $1", job_id)) > 0

    async def get_progress(self, job_id: str) -> Progress:
        return await read_progress(self._pool, job_id)


async def read_progress(pool: asyncpg.Pool, job_id: str) -> Progress:
    """The job's status and its row counters (`job_counts`, kept exact by every row transition): O(1) per job."""
    rows = await pool.fetch(
        """
        SELECT j.status AS job_status, j.total_rows, j.started_at, j.updated_at, j.error, c.status, c.n,
               c.source_requests, c.scorer_calls, c.reused_rows
        FROM jobs j LEFT JOIN job_counts c USING (job_id)
        WHERE j.job_id = $1
        """,
        job_id,
    )
    if not rows:
        raise JobNotFound(job_id)
    counts: dict[RowStatus, int] = dict.fromkeys(ROW_STATUSES, 0)
    spent = Costs()
    for r in rows:
        if r["status"] is not None:
            counts[cast(RowStatus, r["status"])] = int(r["n"])
            spent = spent.plus(r["source_requests"], r["scorer_calls"], r["reused_rows"])
    first = rows[0]
    return Progress(
        job_id=job_id,
        status=first["job_status"],
        total=int(first["total_rows"]),
        counts=counts,
        started_at=first["started_at"],
        updated_at=first["updated_at"],
        costs=spent,
        error=first["error"],
    )
