"""The schedules aggregate: `schedules`, their template rows (`schedule_rows`) and the jobs their runs made
(`schedule_runs`). When a schedule runs is Temporal's business (a Temporal Schedule per row here); what each run
enriches, and which job each run made, is stored here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import asyncpg

from internal.domain.errors import ServiceError
from internal.domain.lifecycle import JobStatus
from internal.ledger.records import NewRow
from internal.ledger.statements import INTAKE_COLUMNS, copy_insert, intake_records
from internal.platform.db import from_record

ScheduleStatus = Literal["active", "paused", "deleted"]
_TEMPLATE_COLUMNS: Final = ("schedule_id", *INTAKE_COLUMNS)
# What a run copies into job_rows: the template's columns but the schedule's id.
_COPIED: Final = ", ".join(INTAKE_COLUMNS)


class ScheduleNotFound(ServiceError):
    status, code = 404, "schedule_not_found"

    def __init__(self, schedule_id: str) -> None:
        super().__init__(f"schedule {schedule_id!r} not found")
        self.schedule_id = schedule_id


@dataclass(frozen=True, slots=True)
class NewSchedule:
    schedule_id: str
    options: dict[str, Any]
    every_seconds: int | None = None
    cron: str | None = None
    name: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    schedule_id: str
    name: str | None
    every_seconds: int | None
    cron: str | None
    options: dict[str, Any]
    filename: str | None
    header: list[str]
    total_rows: int
    status: ScheduleStatus
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    """One run of a schedule: the job it made and that job's status now."""

    run_key: str  # the run's workflow id
    run_id: str  # its Temporal run id ("" for runs recorded before migration 0010)
    job_id: str
    previous_job_id: str | None
    created_at: datetime
    job_status: JobStatus
    total_rows: int
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class RunJob:
    """What making a run's job found: the job (None when the schedule is deleted) and whether it is new."""

    job_id: str | None
    previous_job_id: str | None
    created: bool
    intake_complete: bool


class ScheduleStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create_schedule(self, new: NewSchedule) -> Schedule:
        row = await self._pool.fetchrow(
            """
            INSERT INTO schedules (schedule_id, name, every_seconds, cron, options, filename)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (schedule_id) DO UPDATE SET updated_at = schedules.updated_at
            RETURNING *
            """,
            new.schedule_id,
            new.name,
            new.every_seconds,
            new.cron,
            new.options,
            new.filename,
        )
        assert row is not None
        return from_record(Schedule, row)

    async def set_layout(
        self, schedule_id: str, *, header: list[str], id_column: str | None, delimiter: str | None
    ) -> None:
        await self._pool.execute(
            "UPDATE schedules SET header = $2, id_column = $3, delimiter = $4, updated_at = now()"
            " WHERE schedule_id = $1",
            schedule_id,
            header,
            id_column,
            delimiter,
        )

    async def ingest_rows(self, schedule_id: str, rows: Iterable[NewRow], *, batch_size: int = 5000) -> int:
        """The template rows in bounded batches (COPY into a temporary table, then an idempotent INSERT)."""
        inserted, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                inserted += await self._add_rows(schedule_id, batch)
                batch = []
        return inserted + await self._add_rows(schedule_id, batch)

    async def _add_rows(self, schedule_id: str, rows: Sequence[NewRow]) -> int:
        records = intake_records(schedule_id, rows)
        return await copy_insert(self._pool, "schedule_rows", _TEMPLATE_COLUMNS, records, "schedule_id, row_num")

    async def complete_intake(self, schedule_id: str) -> tuple[int, int]:
        """Record the template's size; returns (rows, invalid rows)."""
        row = await self._pool.fetchrow(
            """
            WITH c AS (
                SELECT count(*) AS total, count(*) FILTER (WHERE status = 'invalid') AS invalid
                FROM schedule_rows WHERE schedule_id = $1
            )
            UPDATE schedules s SET total_rows = c.total, updated_at = now() FROM c
            WHERE s.schedule_id = $1
            RETURNING c.total, c.invalid
            """,
            schedule_id,
        )
        if row is None:
            raise ScheduleNotFound(schedule_id)
        return int(row["total"]), int(row["invalid"])

    async def remove_schedule(self, schedule_id: str) -> None:
        """Forget a schedule that could not be created (its rows go with it; it never ran)."""
        await self._pool.execute("DELETE FROM schedules WHERE schedule_id = $1", schedule_id)

    async def get_schedule(self, schedule_id: str) -> Schedule:
        row = await self._pool.fetchrow("SELECT * FROM schedules WHERE schedule_id = $1", schedule_id)
        if row is None:
            raise ScheduleNotFound(schedule_id)
        return from_record(Schedule, row)

    async def list_schedules(self, *, limit: int = 100, include_deleted: bool = False) -> list[Schedule]:
        rows = await self._pool.fetch(
            """
            SELECT * FROM schedules WHERE ($1 OR status <> 'deleted')
            ORDER BY created_at DESC, schedule_id DESC LIMIT $2
            """,
            include_deleted,
            limit,
        )
        return [from_record(Schedule, r) for r in rows]

    async def set_status(self, schedule_id: str, status: ScheduleStatus) -> Schedule:
        """Set the status; a deleted schedule stays deleted (repeating a status is a no-op)."""
        row = await self._pool.fetchrow(
            """
            UPDATE schedules SET status = $2, updated_at = now(),
                                 deleted_at = CASE WHEN $2 = 'deleted' THEN COALESCE(deleted_at, now()) END
            WHERE schedule_id = $1 AND (status <> 'deleted' OR $2 = 'deleted')
            RETURNING *
            """,
            schedule_id,
            status,
        )
        return from_record(Schedule, row) if row is not None else await self.get_schedule(schedule_id)

    async def create_run_job(
        self, run_key: str, run_id: str, schedule_id: str, job_id: str, extra: dict[str, Any]
    ) -> RunJob:
        """The job of one run: a new job with the schedule's options (plus `extra`) and a copy of its template
        rows, in one transaction, or the job this run made already. Duplicates, totals and counters are left to
        RowStore.complete_intake, as for an upload (`intake_complete` says whether it still has to run)."""
        async with self._pool.acquire() as conn, conn.transaction():
            # Runs of one schedule take its row lock in turn, so "the previous job" is well defined.
            schedule = await conn.fetchrow(
                "SELECT status FROM schedules WHERE schedule_id = $1 FOR UPDATE", schedule_id
            )
            if schedule is None:
                raise ScheduleNotFound(schedule_id)
            done = await conn.fetchrow(
                """
                SELECT r.job_id, r.previous_job_id, j.intake_complete
                FROM schedule_runs r JOIN jobs j USING (job_id) WHERE r.run_key = $1 AND r.run_id = $2
                """,
                run_key,
                run_id,
            )
            if done is not None:
                return RunJob(done["job_id"], done["previous_job_id"], False, done["intake_complete"])
            if schedule["status"] == "deleted":
                return RunJob(None, None, False, False)
            previous = await conn.fetchval(
                "SELECT job_id FROM schedule_runs WHERE schedule_id = $1 ORDER BY created_at DESC LIMIT 1",
                schedule_id,
            )
            await conn.execute(
                """
                INSERT INTO jobs (job_id, filename, options, header, id_column, delimiter)
                SELECT $2, filename, options || $3::jsonb, header, id_column, delimiter
                FROM schedules WHERE schedule_id = $1
                """,
                schedule_id,
                job_id,
                extra,
            )
            await conn.execute(
                f"INSERT INTO job_rows (job_id, {_COPIED}) "
                f"SELECT $2, {_COPIED} FROM schedule_rows WHERE schedule_id = $1 ORDER BY row_num",
                schedule_id,
                job_id,
            )
            await conn.execute(
                "INSERT INTO schedule_runs (run_key, run_id, schedule_id, job_id, previous_job_id) "
                "VALUES ($1, $2, $3, $4, $5)",
                run_key,
                run_id,
                schedule_id,
                job_id,
                previous,
            )
        return RunJob(job_id, previous, True, False)

    async def recent_runs(self, schedule_id: str, *, limit: int = 10) -> list[ScheduleRun]:
        """The latest runs first, each with its job's status now."""
        rows = await self._pool.fetch(
            """
            SELECT r.run_key, r.run_id, r.job_id, r.previous_job_id, r.created_at, j.status AS job_status, j.total_rows,
                   j.finished_at
            FROM schedule_runs r JOIN jobs j USING (job_id)
            WHERE r.schedule_id = $1
            ORDER BY r.created_at DESC LIMIT $2
            """,
            schedule_id,
            limit,
        )
        return [from_record(ScheduleRun, r) for r in rows]

    async def job_of_run(self, run_key: str, run_id: str) -> str | None:
        """The job a run (its workflow id and run id) made; None while it has made none."""
        job_id: str | None = await self._pool.fetchval(
            "SELECT job_id FROM schedule_runs WHERE run_key = $1 AND run_id = $2", run_key, run_id
        )
        return job_id

    async def run_of_job(self, job_id: str) -> tuple[str, str | None] | None:
        """(schedule id, previous job id) of a job a schedule made; None for any other job."""
        row = await self._pool.fetchrow(
            "SELECT schedule_id, previous_job_id FROM schedule_runs WHERE job_id = $1", job_id
        )
        return None if row is None else (row["schedule_id"], row["previous_job_id"])
