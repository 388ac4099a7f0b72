"""SQL statements more than one store of internal/state/ runs (each defined once, here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import asyncpg

from internal.ledger.records import NewRow
from internal.platform.db import affected

# $1 job_id, $2 row_num (NULL for job-level events), $3 kind, $4 details (jsonb).
INSERT_EVENT: Final = "INSERT INTO events (job_id, row_num, kind, details) VALUES ($1, $2, $3, $4) RETURNING event_id"
# $1 job_id: a retried intake (rows) and an abandoned one (intakes) both start over from no rows and no counts.
DELETE_ROWS: Final = "DELETE FROM job_rows WHERE job_id = $1"
DELETE_COUNTS: Final = "DELETE FROM job_counts WHERE job_id = $1"


def intake_records(owner: str, rows: Sequence[NewRow]) -> list[tuple[Any, ...]]:
    """Rows as the intake stores them, after their owner's id (a job's rows, a schedule's template): the columns of
    INTAKE_COLUMNS, a row with an error `invalid` and every other one `pending`."""
    return [
        (
            owner,
            r.row_num,
            r.product_id,
            r.name,
            r.url,
            r.source,
            r.cells,
            "invalid" if r.error else "pending",
            r.error,
            r.error_column,
            r.note,
        )
        for r in rows
    ]


# What intake_records holds, after the owner's id column.
INTAKE_COLUMNS: Final = (
    "row_num",
    "product_id",
    "name",
    "url",
    "source",
    "cells",
    "status",
    "reason",
    "error_column",
    "note",
)


async def copy_insert(
    pool: asyncpg.Pool, table: str, columns: Sequence[str], records: list[tuple[Any, ...]], key: str
) -> int:
    """COPY into a temporary table shaped like `table`, then INSERT … ON CONFLICT (key) DO NOTHING from there:
    COPY speed, upsert semantics (re-sending a batch inserts nothing twice). Returns rows newly inserted."""
    if not records:
        return 0
    stage, names = f"{table}_stage", ", ".join(columns)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        await conn.copy_records_to_table(stage, records=records, columns=columns)
        status = await conn.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} ON CONFLICT ({key}) DO NOTHING"
        )
    return affected(status)
