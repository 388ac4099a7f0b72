"""Reopening the rows of a finished job that did not finish (failed, or also cancelled) so that a new run of its
workflow takes them up again."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import asyncpg

from internal.domain.lifecycle import TERMINAL_JOB_STATUSES, InvalidTransition, JobStatus, RowStatus
from internal.ledger.jobs import JobNotFound
from internal.ledger.statements import INSERT_EVENT


@dataclass(frozen=True, slots=True)
class Reopened:
    job_id: str
    rows: int  # rows moved back to pending (0: there were none, and nothing changed)
    previous_status: JobStatus


# $1 job_id, $2 the row statuses to reopen: those rows back to pending, counters moved in the same statement. The
# reason of the row's last outcome is kept (a pending row then says why it is being retried) and is overwritten by
# the row's next terminal write.
_REOPEN_ROWS = """
WITH locked AS (
    SELECT row_num, status FROM job_rows WHERE job_id = $1 AND status = ANY($2::text[]) ORDER BY row_num FOR UPDATE
), upd AS (
    UPDATE job_rows r SET status = 'pending', finished_at = NULL, updated_at = now(),
        -- The job's totals keep what the earlier run spent; the row counts its new run from zero.
        source_requests = 0, scorer_calls = 0, reused = NULL
    FROM locked l WHERE r.job_id = $1 AND r.row_num = l.row_num
    RETURNING l.status AS was
), moved AS (
    SELECT was, count(*) AS n FROM upd GROUP BY was
), dec AS (
    UPDATE job_counts c SET n = c.n - m.n FROM moved m WHERE c.job_id = $1 AND c.status = m.was
), inc AS (
    INSERT INTO job_counts (job_id, status, n)
    SELECT $1, 'pending', sum(n) FROM moved HAVING sum(n) > 0
    ON CONFLICT (job_id, status) DO UPDATE SET n = job_counts.n + EXCLUDED.n
)
SELECT coalesce(sum(n), 0) FROM moved
"""


async def reopen_rows(pool: asyncpg.Pool, job_id: str, statuses: Collection[RowStatus], event: str) -> Reopened:
    """In one transaction: a finished job's rows in `statuses` go back to `pending` and the job back to `running`,
    with an `event` naming how many rows of which statuses. A job that is not finished raises InvalidTransition;
    one without such rows is left as it is (rows=0). Repeating the call is harmless: the second finds the job
    running, or no such rows."""
    async with pool.acquire() as conn, conn.transaction():
        status = await conn.fetchval("SELECT status FROM jobs WHERE job_id = $1 FOR UPDATE", job_id)
        if status is None:
            raise JobNotFound(job_id)
        if status not in TERMINAL_JOB_STATUSES:
            raise InvalidTransition(job_id, status, "running")
        rows = int(await conn.fetchval(_REOPEN_ROWS, job_id, list(statuses)))
        if rows:
            # Not through JOB_TRANSITIONS: a late activity must never reopen a finished job; only this may.
            await conn.execute(
                "UPDATE jobs SET status = 'running', finished_at = NULL, error = NULL, updated_at = now() "
                "WHERE job_id = $1",
                job_id,
            )
            details = {"rows": rows, "from": status, "row_statuses": sorted(statuses)}
            await conn.execute(INSERT_EVENT, job_id, None, event, details)
        return Reopened(job_id=job_id, rows=rows, previous_status=status)
