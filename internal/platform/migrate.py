"""Forward-only migrations: `migrations/NNNN_name.sql`, applied in order, each in its own transaction."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every process that migrates this database.
_LOCK_KEY = 0x5E1F_2026


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path


class MigrationError(RuntimeError):
    pass


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files must be named NNNN_lower_snake.sql")
        found.append(Migration(version=path.stem, path=path))
    numbers = [m.version[:4] for m in found]
    if len(set(numbers)) != len(numbers):
        raise MigrationError(f"two migrations share a number in {directory}")
    return found


async def apply_migrations(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is missing; returns the versions applied now (empty when up to date).

    A session advisory lock serialises concurrent starters (worker and API booting together).
    """
    migrations = discover(directory)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            applied: list[str] = []
            for migration in migrations:
                if migration.version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(migration.path.read_text(encoding="utf-8"))
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING",
                        migration.version,
                    )
                applied.append(migration.version)
            return applied
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        await conn.close()


def with_database(uri: str, database: str) -> str:
    """Swap the database name in a postgresql:// URI (keeps host, socket dir and credentials)."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(uri: str, database: str) -> None:
    """CREATE DATABASE if missing; connects to the maintenance database of the same server."""
    conn = await asyncpg.connect(with_database(uri, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Identifiers cannot be bound parameters; quote_ident-equivalent via format('%I').
            stmt = await conn.fetchval("SELECT format('CREATE DATABASE %I', $1::text)", database)
            # Another starter may create it between our check and our CREATE.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(stmt)
    finally:
        await conn.close()
