"""The rows aggregate: one row of `job_rows` per CSV data row, from intake to its terminal status.

Every transition moves the row's count in `job_counts` in the same statement (rows are locked before counters,
everywhere, so two transitions cannot deadlock), and a terminal row is never touched again.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Sequence
from typing import Any, Final, cast

import asyncpg

from internal.domain.lifecycle import OPEN_ROW_STATUSES, ROW_STATUSES, TERMINAL_ROW_STATUSES, RowStatus
from internal.domain.row_ref import RowRef
from internal.ledger.jobs import JobNotFound, read_progress
from internal.ledger.records import NewRow, Progress, RowState
from internal.ledger.statements import DELETE_COUNTS, DELETE_ROWS, INTAKE_COLUMNS, copy_insert, intake_records
from internal.platform.db import from_record

_TERMINAL: Final = list(TERMINAL_ROW_STATUSES)
_ROW_COLUMNS: Final = ("job_id", *INTAKE_COLUMNS)


class RowStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # ---- intake ---------------------------------------------------------------------------------------------

    async def add_rows(self, job_id: str, rows: Sequence[NewRow]) -> int:
        """Insert one batch of rows; re-sending a batch inserts nothing twice. Returns rows newly inserted."""
        return await copy_insert(self._pool, "job_rows", _ROW_COLUMNS, intake_records(job_id, rows), "job_id, row_num")

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
            await conn.execute(DELETE_COUNTS, job_id)
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
        return await read_progress(self._pool, job_id)

    async def clear_rows(self, job_id: str) -> None:
        """Drop the rows of a job whose intake did not complete, so a retried start begins clean."""
        await self._pool.execute(DELETE_ROWS, job_id)

    # ---- processing -----------------------------------------------------------------------------------------

    async def page_row_keys(
        self,
        job_id: str,
        *,
        after_row: int = 0,
        limit: int = 500,
        statuses: Sequence[RowStatus] = ("pending",),
    ) -> list[RowRef]:
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
        return [RowRef(row_num=r["row_num"], product_id=r["product_id"]) for r in rows]

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
                RETURNING prev.status AS old_status, r.source_requests, r.scorer_calls, r.reused IS NOT NULL AS reused
            ), dec AS (
                UPDATE job_counts c SET n = c.n - 1
                FROM upd WHERE c.job_id = $1 AND c.status = upd.old_status AND upd.old_status <> $3
            ), inc AS (
                -- A row entering a terminal status adds what it spent to the job's totals (job_counts.*): they
                -- stay with that status row, so a row reopened later does not take its spending back.
                INSERT INTO job_counts AS c (job_id, status, n, source_requests, scorer_calls, reused_rows)
                SELECT $1, $3, 1,
                       CASE WHEN $3 = ANY($9::text[]) THEN upd.source_requests ELSE 0 END,
                       CASE WHEN $3 = ANY($9::text[]) THEN upd.scorer_calls ELSE 0 END,
                       CASE WHEN $3 = ANY($9::text[]) AND upd.reused THEN 1 ELSE 0 END
                FROM upd WHERE upd.old_status <> $3
                ON CONFLICT (job_id, status) DO UPDATE SET
                    n = c.n + 1,
                    source_requests = c.source_requests + EXCLUDED.source_requests,
                    scorer_calls = c.scorer_calls + EXCLUDED.scorer_calls,
                    reused_rows = c.reused_rows + EXCLUDED.reused_rows
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
                RETURNING l.old_status, r.source_requests, r.scorer_calls, r.reused IS NOT NULL AS reused
            ), delta AS (
                SELECT old_status, count(*) AS n, sum(source_requests) AS source_requests,
                       sum(scorer_calls) AS scorer_calls, count(*) FILTER (WHERE reused) AS reused_rows
                FROM upd GROUP BY old_status
            ), dec AS (
                UPDATE job_counts c SET n = c.n - d.n FROM delta d
                WHERE c.job_id = $1 AND c.status = d.old_status
            ), inc AS (
                -- What the closed rows spent joins the job's totals, as in set_row_state.
                INSERT INTO job_counts AS c (job_id, status, n, source_requests, scorer_calls, reused_rows)
                SELECT $1, $2, sum(n), sum(source_requests), sum(scorer_calls), sum(reused_rows)
                FROM delta HAVING count(*) > 0
                ON CONFLICT (job_id, status) DO UPDATE SET
                    n = c.n + EXCLUDED.n,
                    source_requests = c.source_requests + EXCLUDED.source_requests,
                    scorer_calls = c.scorer_calls + EXCLUDED.scorer_calls,
                    reused_rows = c.reused_rows + EXCLUDED.reused_rows
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
        return None if row is None else from_record(RowState, row)

    async def set_row_meta(self, job_id: str, row_num: int, meta: dict[str, Any]) -> None:
        await self._pool.execute(
            "UPDATE job_rows SET product_meta = $3 WHERE job_id = $1 AND row_num = $2", job_id, row_num, meta
        )

    async def get_row_meta(self, job_id: str, row_num: int) -> dict[str, Any] | None:
        meta = await self._pool.fetchval(
            "SELECT product_meta FROM job_rows WHERE job_id = $1 AND row_num = $2", job_id, row_num
        )
        return cast("dict[str, Any] | None", meta)

    async def get_results(self, job_id: str, *, after_row: int = 0, limit: int = 100) -> list[RowState]:
        """Rows in row order after `after_row` (keyset pagination). Duplicates carry their first row's result.

        The reason ends with the intake's note (a truncated cell), which the row's run never overwrites."""
        rows = await self._pool.fetch(
            """
            SELECT r.job_id, r.row_num, r.product_id, r.name, r.url, r.source, r.cells, r.status, r.stage,
                   r.attempt, COALESCE(r.result, o.result) AS result,
                   NULLIF(concat_ws('; ', r.reason, r.note), '') AS reason, r.error_column,
                   r.duplicate_of, r.workflow_id, r.updated_at, r.source_requests, r.scorer_calls, r.reused
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
        return [from_record(RowState, r) for r in rows]
