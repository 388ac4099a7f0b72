"""The product page in a real browser: opened from the results table, it shows why the product scored as it did —
the score with its interval drawn, the labels, the aspects as a diverging bar chart with their quotes, the praise
and complaint, the reviews paged — the same as the API's product route. A screenshot goes to docs/img/."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"


async def test_a_product_opened_from_the_results_shows_why_it_scored_so(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        job_id = await api.run_example(http)
        product = (await http.get(f"/api/v1/jobs/{job_id}/products/2", params={"limit": 10})).json()
        assert product["aspects"] and product["reviews"]["total"] > 10

        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.goto(f"{api.url}/jobs/{job_id}")
        link = page.locator('table.results a.product-link[href$="/products/2"]')
        await expect(link).to_be_visible(timeout=60_000)
        await link.click()
        await page.wait_for_url(f"**/jobs/{job_id}/products/2")

        await expect(page.locator("#product-name")).to_have_text(product["name"])
        await expect(page.locator("#product-score")).to_contain_text(product["score"]["score_display"])
        await expect(page.locator("#product-why")).to_have_text(product["why"])
        assert await page.locator("svg.interval .ci").count() >= 1 + len(
            [a for a in product["aspects"] if a["ci95_low"] is not None]
        )
        counts = await page.locator("#labels span").evaluate_all("ss => ss.map(s => Number(s.dataset.count))")
        assert sum(counts) == sum(product["label_distribution"].values())
        rows = page.locator("#aspects tbody tr")
        await expect(rows).to_have_count(len(product["aspects"]))
        first = product["aspects"][0]
        await expect(rows.first.locator(".nofm")).to_have_text(f"{first['mentions']} of {first['reviews']}")
        await expect(rows.first.locator("q").first).to_have_text(first["quotes"][0]["text"])
        if product["evidence"]["praise"]:
            await expect(page.locator("#praise q")).to_have_text(product["evidence"]["praise"]["text"])
        if product["evidence"]["complaint"]:
            await expect(page.locator("#complaint q")).to_have_text(product["evidence"]["complaint"]["text"])
        await expect(page.locator("#product .demo-banner")).to_be_visible()
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMG / "web-product.png", full_page=True)

        # The reviews, a page at a time, each with its own score.
        reviews = page.locator("#reviews tbody tr")
        await expect(reviews).to_have_count(10)
        first_ids = await reviews.evaluate_all("rs => rs.map(r => r.dataset.review)")
        assert first_ids == [r["review_id"] for r in product["reviews"]["items"]]
        await page.click("button[data-offset='10']")
        await expect(page.locator("#reviews-summary")).to_have_text(f"11–20 of {product['reviews']['total']}")
        next_ids = await reviews.evaluate_all("rs => rs.map(r => r.dataset.review)")
        assert next_ids and set(next_ids).isdisjoint(first_ids)

        # A row the job does not have says so in words.
        await page.goto(f"{api.url}/jobs/{job_id}/products/999")
        await expect(page.locator("#product .error")).to_contain_text("has no row 999")
        await page.close()
