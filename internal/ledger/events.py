"""The audit log: `events`, one row per thing that happened to a job or one of its rows. Append-only."""

from __future__ import annotations

from typing import Any

import asyncpg

from internal.ledger.records import Event
from internal.ledger.statements import INSERT_EVENT
from internal.platform.db import from_record


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def append_event(
        self, job_id: str, kind: str, details: dict[str, Any] | None = None, *, row_num: int | None = None
    ) -> int:
        event_id = await self._pool.fetchval(INSERT_EVENT, job_id, row_num, kind, details or {})
        return int(event_id)

    async def list_events(self, job_id: str, *, after_id: int = 0, limit: int = 100) -> list[Event]:
        rows = await self._pool.fetch(
            "SELECT * FROM events WHERE job_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3",
            job_id,
            after_id,
            limit,
        )
        return [from_record(Event, r) for r in rows]
