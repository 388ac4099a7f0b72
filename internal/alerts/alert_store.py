"""`alerts` and `alert_attempts`: every alert announced, what it says, and each delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from internal.platform.db import from_record


@dataclass(frozen=True, slots=True)
class NewAlert:
    alert_id: str
    subscription_id: str
    kind: str
    payload: dict[str, Any]
    job_id: str | None = None
    schedule_id: str | None = None
    source: str | None = None
    product_id: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the delivery activity needs: where to, the key to sign with, and the body."""

    alert_id: str
    url: str
    secret: str
    payload: dict[str, Any]
    status: str
    subscription_deleted: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    attempt: int
    attempted_at: datetime
    http_status: int | None
    error: str | None
    retry_after: float | None = None  # seconds the receiver's Retry-After asked for (the wait itself is capped)


@dataclass(frozen=True, slots=True)
class AlertRecord:
    alert_id: str
    subscription_id: str
    kind: str
    job_id: str | None
    schedule_id: str | None
    source: str | None
    product_id: str | None
    payload: dict[str, Any]
    status: str
    created_at: datetime
    finished_at: datetime | None
    attempts: list[Attempt] = field(default_factory=list)


class AlertStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(self, alert: NewAlert) -> None:
        """Store an alert once: announcing the same event again (a retried activity) changes nothing."""
        await self._pool.execute(
            """
            INSERT INTO alerts (alert_id, subscription_id, kind, job_id, schedule_id, source, product_id, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (alert_id) DO NOTHING
            """,
            alert.alert_id,
            alert.subscription_id,
            alert.kind,
            alert.job_id,
            alert.schedule_id,
            alert.source,
            alert.product_id,
            alert.payload,
        )

    async def delivery(self, alert_id: str) -> Delivery | None:
        row = await self._pool.fetchrow(
            """
            SELECT a.alert_id, s.url, s.secret, a.payload, a.status, s.deleted_at IS NOT NULL AS subscription_deleted
            FROM alerts a JOIN alert_subscriptions s USING (subscription_id)
            WHERE a.alert_id = $1
            """,
            alert_id,
        )
        return None if row is None else from_record(Delivery, row)

    async def record_attempt(
        self,
        alert_id: str,
        attempt: int,
        http_status: int | None,
        error: str | None,
        retry_after: float | None = None,
    ) -> None:
        """One delivery attempt; a replayed record of the same attempt overwrites it."""
        await self._pool.execute(
            """
            INSERT INTO alert_attempts (alert_id, attempt, http_status, error, retry_after) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (alert_id, attempt) DO UPDATE
            SET http_status = EXCLUDED.http_status, error = EXCLUDED.error, retry_after = EXCLUDED.retry_after,
                attempted_at = now()
            """,
            alert_id,
            attempt,
            http_status,
            error,
            retry_after,
        )

    async def finish(self, alert_id: str, status: str) -> None:
        """delivered or failed, once: a finished alert keeps its first ending."""
        await self._pool.execute(
            "UPDATE alerts SET status = $2, finished_at = now() WHERE alert_id = $1 AND status = 'pending'",
            alert_id,
            status,
        )

    async def recent(self, *, limit: int, subscription_id: str | None = None) -> list[AlertRecord]:
        """The newest alerts with all their attempts (oldest attempt first)."""
        rows = await self._pool.fetch(
            """
            SELECT a.*, COALESCE(
                (SELECT jsonb_agg(jsonb_build_object('attempt', t.attempt, 'attempted_at', t.attempted_at,
                                                     'http_status', t.http_status, 'error', t.error,
                                                     'retry_after', t.retry_after)
                                  ORDER BY t.attempt)
                 FROM alert_attempts t WHERE t.alert_id = a.alert_id), '[]'::jsonb) AS tries
            FROM alerts a
            WHERE $2::text IS NULL OR a.subscription_id = $2
            ORDER BY a.created_at DESC, a.alert_id
            LIMIT $1
            """,
            limit,
            subscription_id,
        )
        return [
            AlertRecord(
                **{k: r[k] for k in AlertRecord.__dataclass_fields__ if k != "attempts"},
                attempts=[
                    Attempt(
                        t["attempt"],
                        datetime.fromisoformat(t["attempted_at"]),
                        t["http_status"],
                        t["error"],
                        t["retry_after"],
                    )
                    for t in r["tries"]
                ],
            )
            for r in rows
        ]
