"""A product's sentiment history and the dead letters in a real browser, against the real API, worker, Temporal and
PostgreSQL: reviews pushed in two batches (the second clearly worse) make two history points; the product page
charts both with their intervals and lists exactly the second batch's reviews as what changed. Invalid reviews
show up on /dead-letters, counted as GET /api/v1/dead-letters counts them, and Replay says what it moved."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, expect
from temporalio.client import Client

from internal.app.state import StateManager
from internal.platform.ingest_settings import IngestSettings
from tests.integration.api_harness import serve

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
INGEST = IngestSettings(_env_file=None, sources="shop")
GOOD = [
    "Wonderful kettle, boils in a minute and looks lovely on the counter.",
    "I love it: quiet, fast, and the handle stays cool.",
    "Great value, works perfectly every morning.",
    "Excellent build, very happy with this purchase.",
    "Fantastic, the best kettle we have owned.",
    "Really nice design and it heats quickly.",
]
BAD = [
    "Awful. The lid broke after two days and it leaks.",
    "Terrible, it stopped working within a week. I hate it.",
    "Worst purchase ever, the base sparks and smells of burning plastic.",
    "Horrible: rusty water and a loud rattle.",
    "Disappointing and useless, returned it broken.",
]


def review(n: int, text: str, rating: int, product: str = "K-100") -> dict[str, Any]:
    return {
        "review_id": f"k{n}",
        "product_id": product,
        "user_id": f"u{n}",
        "text": text,
        "rating": rating,
        "timestamp": f"2026-03-{n:02d}T08:00:00Z",
    }


async def _history(http: httpx.AsyncClient, path: str, points: int, reviews: int) -> dict[str, Any]:
    """The product once its history has exactly `points` changes, the last counting `reviews` reviews."""
    async with asyncio.timeout(60):
        while True:
            got = await http.get(path)
            if got.status_code == 200:
                body: dict[str, Any] = got.json()
                history = body["history"]
                if len(history) == points and history[-1]["review_count"] == reviews and not body["pending"]:
                    return body
            await asyncio.sleep(0.2)


async def test_history_chart_and_what_changed(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    first = [review(n, text, 5) for n, text in enumerate(GOOD, start=1)]
    second = [review(n, text, 1) for n, text in enumerate(BAD, start=len(GOOD) + 1)]
    path = "/api/v1/products/shop/K-100"
    async with serve(temporal_client, state, tmp_path, ingest=INGEST) as api, api.client() as http:
        assert (await http.post("/api/v1/reviews?source=shop", json=first)).json()["accepted"] == len(first)
        await _history(http, path, 1, len(first))
        assert (await http.post("/api/v1/reviews?source=shop", json=second)).json()["accepted"] == len(second)
        product = await _history(http, path, 2, len(first) + len(second))
        before, after = product["history"]
        assert after["mean_sentiment"] < before["mean_sentiment"]

        page = await browser.new_page(viewport={"width": 1280, "height": 1400})
        await page.goto(api.url + "/products/shop/K-100")
        chart = page.locator("#history-chart")
        await expect(chart.locator("g.point")).to_have_count(len(product["history"]), timeout=10_000)
        await expect(chart.locator("g.point circle")).to_have_count(2)
        await expect(chart.locator("line.interval")).to_have_count(2)  # both points have an interval
        await expect(page.locator("#history tbody tr")).to_have_count(2)
        await expect(page.locator("#current-reviews")).to_contain_text(f"{len(first) + len(second)} reviews counted")
        await expect(page.locator("#reviews-from")).to_have_text(f"{len(first) + len(second)} pushed, 0 from jobs")
        low, high = product["interval"]
        await expect(page.locator("#current-interval")).to_contain_text(f"95% interval {low:+.2f} to {high:+.2f}")

        # What changed between the last two points: exactly the second batch, verbatim.
        arrived = page.locator("#arrived tbody tr")
        await expect(arrived).to_have_count(len(second))
        assert await arrived.evaluate_all("rows => rows.map(r => r.dataset.review)") == [r["review_id"] for r in second]
        assert await page.locator("#arrived td.text").all_inner_texts() == BAD
        await expect(page.locator("#changed-summary")).to_contain_text(f"{len(second)} reviews arrived in between")
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMG / "web-product-history.png", full_page=True)

        # From the start to the first point: the first batch.
        await page.select_option("#point-a", "0")
        await page.select_option(
            "#point-b", str(await page.locator("#history tbody tr").first.get_attribute("data-history"))
        )
        await expect(page.locator("#arrived td.text")).to_have_text(GOOD)
        # A product nobody pushed or enriched: the page says so.
        await page.goto(api.url + "/products/shop/nothing")
        await expect(page.locator("#product-history .error")).to_contain_text("no sentiment for product 'nothing'")
        await page.close()


async def test_dead_letters_page_counts_and_replay(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    bad = [
        review(1, "Fine.", 6),
        review(2, "Okay.", -1),
        {**review(3, "No date.", 4), "timestamp": "yesterday"},
        {k: v for k, v in review(4, "No user.", 4).items() if k != "user_id"},
        review(5, "Good kettle.", 5),
    ]
    async with serve(temporal_client, state, tmp_path, ingest=INGEST) as api, api.client() as http:
        pushed = (await http.post("/api/v1/reviews?source=shop", json=bad)).json()
        assert (pushed["accepted"], pushed["dead_lettered"]) == (1, 4)
        listed = (await http.get("/api/v1/dead-letters")).json()["items"]
        expected = Counter((d["source"], d["reason"]) for d in listed)
        assert sum(expected.values()) == 4

        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(api.url + "/")
        await expect(page.locator("#dead-letter-count")).to_have_text(" (4)")
        await page.click("header >> text=Dead letters")
        await page.wait_for_url("**/dead-letters")
        counts = page.locator("#dead-counts tbody tr")
        await expect(counts).to_have_count(len(expected))
        shown = {
            (await r.get_attribute("data-source"), await r.get_attribute("data-reason")): int(
                await r.get_attribute("data-total") or 0
            )
            for r in await counts.all()
        }
        assert shown == dict(expected)
        rows = page.locator("#dead-list tbody tr")
        await expect(rows).to_have_count(4)
        assert sorted(await rows.evaluate_all("rs => rs.map(r => r.dataset.reason)")) == sorted(
            d["reason"] for d in listed
        )
        await expect(page.locator("#dead-list")).to_contain_text('"rating": 6')

        # Filter by a reason: only its dead letters.
        await page.click('#dead-counts a.pick[data-reason="rating_out_of_range"]')
        await expect(rows).to_have_count(2)
        await page.click("#dead-clear")
        await expect(rows).to_have_count(4)
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMG / "web-dead-letters.png", full_page=True)

        # "Fix the data" of one (rating 6 → 4), then replay everything: one moves, three are still invalid.
        await state._pool.execute(
            "UPDATE dead_letters SET payload = jsonb_set(payload, '{rating}', '4') WHERE review_id = 'k1'"
        )
        await page.click("#dead-replay")
        await expect(page.locator("#dead-said")).to_have_text(
            "Replayed 4: 1 moved into storage, 0 already stored, 3 still invalid."
        )
        await expect(page.locator("#dead-list tr[data-dead-letter] td:last-child", has_text="stored")).to_have_count(1)
        await expect(page.locator("#dead-letter-count")).to_have_text(" (3)")
        await page.close()


async def test_a_job_product_links_to_its_history_with_the_aspects_it_found(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        job_id = await api.run_example(http)
        row = (await http.get(f"/api/v1/jobs/{job_id}/products/2")).json()
        product = (await http.get(f"/api/v1/products/demo/{row['product_id']}")).json()
        assert [h["job_id"] for h in product["history"]] == [job_id]

        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.goto(f"{api.url}/jobs/{job_id}/products/2")
        await page.click("#history-link")
        await page.wait_for_url(f"**/products/demo/{row['product_id']}")
        await expect(page.locator("#history-chart g.point")).to_have_count(1)
        await expect(page.locator("#history tbody tr a")).to_have_attribute("href", f"/jobs/{job_id}/products/2")
        # One point: what changed is everything from the start, the job's reviews and every aspect it found.
        jobs = product["reviews_from"]["jobs"]
        await expect(page.locator("#changed-summary")).to_contain_text(f"{jobs} reviews arrived in between")
        await expect(page.locator("#aspects-h")).to_have_text("Aspects that moved")
        names = await page.locator("#aspects tbody tr").evaluate_all("rs => rs.map(r => r.dataset.aspect)")
        assert sorted(names) == sorted(a["name"] for a in row["aspects"]) and names
        await page.close()
