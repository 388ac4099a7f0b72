"""The worker SIGKILLed while reviews are being pushed: the live sentiment loses and duplicates nothing. Every
pushed review is stored once, scored once, and counted by its product's published sentiment; each product's
history has one row per published generation; every receipt reconciles."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from internal.app.state import StateManager
from tests.faults.conftest import Record
from tests.faults.harness import fault_stack

BATCHES, PER_BATCH, PRODUCTS = 40, 50, 20
TEXTS = ["Love it, works perfectly.", "Terrible, broke at once.", "It is fine."]


def _batch(b: int) -> list[dict[str, Any]]:
    return [
        {
            "review_id": f"k{b}-{i}",
            "product_id": f"K{(b * PER_BATCH + i) % PRODUCTS}",
            "user_id": "u",
            "text": TEXTS[i % 3],
            "rating": 1 + i % 5,
            "timestamp": "2026-01-02T03:04:05Z",
        }
        for i in range(PER_BATCH)
    ]


async def test_worker_killed_during_a_push_stream(tmp_path: Path, figure: Record) -> None:
    async with fault_stack(tmp_path, INGEST_SOURCES="acme", INGEST_SIGNAL_COALESCE_SECONDS="0.2") as stack:
        state = await StateManager.connect(stack.dsn, max_size=2)
        pool = state._pool
        try:
            worker = stack.proc("worker.py")
            worker.start()
            async with stack.api() as (_, base), httpx.AsyncClient(base_url=base, timeout=60) as http:
                for b in range(BATCHES):
                    got = await http.post("/api/v1/reviews?source=acme", json=_batch(b))
                    assert got.status_code == 202, got.text
                    if b == 12:
                        worker.kill()  # mid-stream: refreshes in flight die with it
                    if b == 25:
                        worker.start()
                    await asyncio.sleep(0.1)
                # Re-pushing a few batches (a provider retrying) stores nothing new.
                for b in range(3):
                    again = (await http.post("/api/v1/reviews?source=acme", json=_batch(b))).json()
                    assert (again["accepted"], again["duplicates"]) == (0, PER_BATCH)
                started = time.monotonic()
                async with asyncio.timeout(180):
                    while await pool.fetchval("SELECT count(*) FROM live_products WHERE generation > published"):
                        await asyncio.sleep(0.5)
                figure("caught up after the last push (s)", round(time.monotonic() - started, 1))
            worker.stop()
            total = BATCHES * PER_BATCH
            assert await pool.fetchval("SELECT count(*) FROM pushed_reviews") == total
            assert await pool.fetchval("SELECT count(*) FROM pushed_reviews WHERE published_at IS NULL") == 0
            assert await pool.fetchval("SELECT count(*) FROM product_review_scores") == total  # scored once each
            bad = await pool.fetchval(
                "SELECT count(*) FROM ingest_batches WHERE received <> accepted + duplicates + dead_lettered "
                "OR accepted <> (SELECT count(*) FROM pushed_reviews p WHERE p.batch_id = ingest_batches.batch_id)"
            )
            assert bad == 0
            rows = await pool.fetch(
                "SELECT l.product_id, (l.sentiment->>'review_count')::int AS counted, "
                "(SELECT count(*) FROM product_reviews r WHERE r.source = l.source AND r.product_id = l.product_id) "
                "AS stored FROM live_products l"
            )
            assert len(rows) == PRODUCTS and all(r["counted"] == r["stored"] for r in rows)
            dupes = await pool.fetchval(
                "SELECT count(*) FROM (SELECT source, product_id, generation FROM product_sentiment_history "
                "GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
            )
            assert dupes == 0
            figure("history rows", await pool.fetchval("SELECT count(*) FROM product_sentiment_history"))
        finally:
            await state.close()
