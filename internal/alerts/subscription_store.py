"""`alert_subscriptions`: who wants to hear about what (docs/alerts.md). A deleted subscription is kept (marked
deleted) so that its alerts still name it; it matches nothing any more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from internal.platform.db import affected, from_record


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: str
    url: str
    secret: str
    scope_kind: str
    scope_id: str | None
    conditions: list[str]
    created_at: datetime


_COLUMNS = "subscription_id, url, secret, scope_kind, scope_id, conditions, created_at"


class SubscriptionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create(
        self, subscription_id: str, url: str, secret: str, scope_kind: str, scope_id: str | None, conditions: list[str]
    ) -> Subscription:
        row = await self._pool.fetchrow(
            f"""
            INSERT INTO alert_subscriptions (subscription_id, url, secret, scope_kind, scope_id, conditions)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (subscription_id) DO UPDATE SET subscription_id = EXCLUDED.subscription_id
            RETURNING {_COLUMNS}
            """,
            subscription_id,
            url,
            secret,
            scope_kind,
            scope_id,
            conditions,
        )
        assert row is not None  # RETURNING after an insert or an update always answers a row
        return from_record(Subscription, row)

    async def active(self) -> list[Subscription]:
        """Every subscription not deleted, oldest first."""
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM alert_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, subscription_id"
        )
        return [from_record(Subscription, r) for r in rows]

    async def delete(self, subscription_id: str) -> bool:
        """Mark it deleted; False when there is no such subscription (or it was deleted already)."""
        status = await self._pool.execute(
            "UPDATE alert_subscriptions SET deleted_at = now() WHERE subscription_id = $1 AND deleted_at IS NULL",
            subscription_id,
        )
        return affected(status) == 1

    async def scope_exists(self, kind: str, scope_id: str) -> bool:
        """Whether the schedule or job a scope names exists (a deleted schedule still has its runs: it counts)."""
        table, key = ("schedules", "schedule_id") if kind == "schedule" else ("jobs", "job_id")
        return bool(await self._pool.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {key} = $1)", scope_id))
