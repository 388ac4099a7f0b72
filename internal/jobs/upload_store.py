"""Intakes in flight: who is streaming a job's rows in, and which intakes a crash cut off.

An intake holds a PostgreSQL session advisory lock on its job for as long as it runs. The server drops the lock
with the session, however the process ended (even SIGKILL), so "intake started, not complete, lock free" is exact:
that intake is dead, and no live intake in any process (another API, the CLI) can be mistaken for one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from internal.ledger.statements import DELETE_COUNTS, DELETE_ROWS, INSERT_EVENT

# First key of the two-key advisory lock: keeps our locks apart from any other user of the database.
_INTAKE_LOCK_CLASS: Final = 0x1A7A


@dataclass(frozen=True, slots=True)
class StalledIntake:
    job_id: str
    rows_read: int


class IntakeLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def lease(self, job_id: str) -> AsyncIterator[bool]:
        """Hold the job's intake lock while the block runs; yields False when another session holds it."""
        async with self._pool.acquire() as conn:
            held = bool(
                await conn.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", _INTAKE_LOCK_CLASS, job_id)
            )
            try:
                yield held
            finally:
                # The pool keeps sessions as they are (db._keep_session): unlock, or the lock would outlive us.
                if held and not conn.is_closed():
                    await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _INTAKE_LOCK_CLASS, job_id)

    async def begin(self, job_id: str) -> None:
        """Mark that rows are about to stream in (a signed upload being started)."""
        await self._pool.execute(
            "UPDATE jobs SET intake_started_at = now(), updated_at = now() WHERE job_id = $1 AND NOT intake_complete",
            job_id,
        )

    async def stalled(self) -> list[StalledIntake]:
        """Intakes started and never completed. Some may be alive elsewhere: take `lease` before acting."""
        rows = await self._pool.fetch(
            """
            SELECT j.job_id, (SELECT count(*) FROM job_rows r WHERE r.job_id = j.job_id) AS rows_read
            FROM jobs j
            WHERE j.status = 'created' AND NOT j.intake_complete AND j.intake_started_at IS NOT NULL
            ORDER BY j.created_at
            """
        )
        return [StalledIntake(job_id=r["job_id"], rows_read=int(r["rows_read"])) for r in rows]

    async def abandon(self, job_id: str, *, failure: str | None, event: dict[str, Any]) -> bool:
        """Remove what a dead intake stored, in one transaction, and say so in the job's events.

        `failure` None: the job goes back to waiting for its start (its upload is still stored). Otherwise it
        fails with that reason and gives up its idempotency key, so the client's retry creates a new job.
        Returns False when the intake was no longer stalled (it completed, or was abandoned already).
        """
        async with self._pool.acquire() as conn, conn.transaction():
            found = await conn.fetchval(
                """
                SELECT 1 FROM jobs WHERE job_id = $1 AND status = 'created' AND NOT intake_complete
                  AND intake_started_at IS NOT NULL
                FOR UPDATE
                """,
                job_id,
            )
            if found is None:
                return False
            await conn.execute(DELETE_ROWS, job_id)
            await conn.execute(DELETE_COUNTS, job_id)
            await conn.execute(
                """
                UPDATE jobs SET intake_started_at = NULL, total_rows = 0, updated_at = now(),
                    status = CASE WHEN $2::text IS NULL THEN status ELSE 'failed' END,
                    error = COALESCE($2, error),
                    finished_at = CASE WHEN $2::text IS NULL THEN finished_at ELSE now() END,
                    idempotency_key = CASE WHEN $2::text IS NULL THEN idempotency_key END
                WHERE job_id = $1
                """,
                job_id,
                failure,
            )
            await conn.execute(INSERT_EVENT, job_id, None, "job.intake_interrupted", event)
        return True
