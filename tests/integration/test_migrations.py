from __future__ import annotations

import asyncio

import asyncpg

from internal.platform.migrate import apply_migrations, discover


async def test_migrations_apply_once_and_rerun_is_a_no_op(empty_db: str) -> None:
    first = await apply_migrations(empty_db)
    assert first == [m.version for m in discover()]
    second = await apply_migrations(empty_db)
    assert second == []
    conn = await asyncpg.connect(empty_db)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    finally:
        await conn.close()
    assert versions == first
    assert {"jobs", "job_rows", "job_counts", "reviews", "review_scores", "events"} <= tables


async def test_concurrent_starters_apply_each_migration_once(empty_db: str) -> None:
    results = await asyncio.gather(*(apply_migrations(empty_db) for _ in range(4)))
    applied = [v for r in results for v in r]
    assert sorted(applied) == [m.version for m in discover()]


async def test_a_failing_migration_rolls_back_and_is_not_recorded(empty_db: str, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x int);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE b (x int); SELECT * FROM no_such_table;")
    try:
        await apply_migrations(empty_db, folder)
    except asyncpg.UndefinedTableError:
        pass
    else:
        raise AssertionError("the broken migration should have raised")
    conn = await asyncpg.connect(empty_db)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        has_b = await conn.fetchval("SELECT to_regclass('public.b') IS NOT NULL")
    finally:
        await conn.close()
    assert versions == ["0001_ok"]
    assert has_b is False
