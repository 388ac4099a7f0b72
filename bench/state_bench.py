"""Intake + StateManager benchmark: a 1,000,000-row CSV through the real upload path into PostgreSQL.

Reports wall time, peak RSS of this process and progress-read latency at that size, next to a baseline
measured in the same run (plain csv.reader + COPY straight into the table: the floor our path adds to),
because these machines are noisy and only same-run comparisons mean anything.

    python bench/state_bench.py --rows 1000000 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.report import write_section  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from internal.intake import IntakeLimits  # noqa: E402
from internal.jobs.upload import create_job_from_csv  # noqa: E402
from internal.platform.migrate import apply_migrations  # noqa: E402
from internal.platform.stack.postgres import EmbeddedPostgres  # noqa: E402

SECTION = "bench-state"
TARGETS = {"seconds": 60.0, "rss_mb": 300.0, "progress_ms": 5.0}


def write_csv(path: Path, rows: int) -> int:
    """A realistic upload: id, name, url, two extra columns, ~1 % duplicates and ~0.1 % empty ids."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["product_id", "name", "url", "category", "notes"])
        for i in range(rows):
            pid = "" if i % 1000 == 999 else f"SKU-{(i - 1 if i % 100 == 50 else i):08d}"
            w.writerow([pid, f"Product {i}", f"https://shop.example/p/{i}", f"cat-{i % 37}", "ok, fine"])
    return path.stat().st_size


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


async def baseline_copy(dsn: str, path: Path) -> float:
    """Floor: csv.reader + COPY into a scratch table, no validation, no upsert, no counters."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TEMP TABLE floor (row_num int, product_id text, cells text[])")
        started = time.perf_counter()
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            batch: list[tuple[int, str, list[str]]] = []
            for n, rec in enumerate(reader, start=2):
                batch.append((n, rec[0], rec))
                if len(batch) == 5000:
                    await conn.copy_records_to_table("floor", records=batch)
                    batch = []
            await conn.copy_records_to_table("floor", records=batch)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def measure_progress(state: StateManager, job_id: str, reads: int = 300) -> tuple[float, float]:
    timings = []
    for _ in range(reads):
        t = time.perf_counter()
        await state.jobs.get_progress(job_id)
        timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


async def run(rows: int, dsn: str | None) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-state-"))
    pg: EmbeddedPostgres | None = None
    if dsn is None:
        pg = EmbeddedPostgres(workdir)
        dsn = await pg.start()
    try:
        await apply_migrations(dsn)
        csv_path = workdir / "products.csv"
        size = write_csv(csv_path, rows)
        rss_before = peak_rss_mb()
        floor_s = await baseline_copy(dsn, csv_path)
        state = await StateManager.connect(dsn, max_size=4)
        try:
            job_id = f"bench-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            with csv_path.open("rb") as fh:
                outcome = await create_job_from_csv(
                    state, fh, job_id=job_id, filename=csv_path.name, limits=IntakeLimits(max_rows=rows + 1)
                )
            intake_s = time.perf_counter() - started
            p50, p99 = await measure_progress(state, job_id)
            counts = outcome.progress.counts
        finally:
            await state.close()
        return {
            "rows": rows,
            "file_mb": size / 1e6,
            "seconds": intake_s,
            "rows_per_s": rows / intake_s,
            "baseline_seconds": floor_s,
            "rss_mb": peak_rss_mb(),
            "rss_before_mb": rss_before,
            "progress_p50_ms": p50,
            "progress_p99_ms": p99,
            "pending": counts["pending"],
            "invalid": counts["invalid"],
            "duplicate": counts["duplicate"],
            "total": outcome.progress.total,
        }
    finally:
        if pg is not None:
            pg.stop()


def report(r: dict[str, float]) -> str:
    ok = {
        "seconds": r["seconds"] <= TARGETS["seconds"],
        "rss_mb": r["rss_mb"] <= TARGETS["rss_mb"],
        "progress_ms": r["progress_p99_ms"] <= TARGETS["progress_ms"],
    }
    mark = {True: "met", False: "MISSED"}
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on this 2-core machine (`make bench-state`), "
            "embedded PostgreSQL 18.",
            "",
            "| measure | result | target |",
            "| --- | --- | --- |",
            f"| rows (file size) | {int(r['rows']):,} ({r['file_mb']:.0f} MB) | |",
            f"| intake + StateManager, wall time | {r['seconds']:.1f} s ({r['rows_per_s']:,.0f} rows/s) "
            f"| ≤ {TARGETS['seconds']:.0f} s — {mark[ok['seconds']]} |",
            f"| baseline, same run: csv.reader + bare COPY | {r['baseline_seconds']:.1f} s | "
            f"(ours is {r['seconds'] / r['baseline_seconds']:.1f}× the floor) |",
            f"| peak RSS of the process | {r['rss_mb']:.0f} MB (before intake: {r['rss_before_mb']:.0f} MB) "
            f"| ≤ {TARGETS['rss_mb']:.0f} MB — {mark[ok['rss_mb']]} |",
            f"| progress read, p50 / p99 of 300 | {r['progress_p50_ms']:.2f} / {r['progress_p99_ms']:.2f} ms "
            f"| ≤ {TARGETS['progress_ms']:.0f} ms — {mark[ok['progress_ms']]} |",
            f"| outcome | total {int(r['total']):,}: {int(r['pending']):,} pending, {int(r['invalid']):,} invalid, "
            f"{int(r['duplicate']):,} duplicate | adds up |",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write", type=Path, help="update this markdown file's bench-state section")
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, os.environ.get("DATABASE_URL") or None))
    text = report(result)
    print(text)
    if args.write:
        write_section(args.write, SECTION, "Intake + StateManager (1,000,000 rows) — `make bench-state`", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
