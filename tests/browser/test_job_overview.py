"""The job page's Overview in a real browser, with API_TOKEN set: the share of positive / neutral / negative
products, the best and worst (linked to their pages) and the aspects across the job, the same as GET
/api/v1/jobs/{id}/overview says; grouped by an uploaded column, the groups the API gives; its CSV download follows
the group-by on screen and sends the token as a header. A screenshot goes to docs/img/."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, expect
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.models import LABELS
from internal.http.web_overview import GROUP_EXTREMES
from tests.integration.api_harness import serve

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
TOKEN = "overview-token"


async def _shows_summary(group: Locator, job_id: str, summary: dict[str, Any], named: int | None = None) -> None:
    """One summary on the page (the whole job's, or a group's line naming its `named` best and worst) says what
    the API's says."""
    await expect(group).to_have_attribute("data-products", str(summary["products"]))
    bar = await group.locator(".overview-bar span").evaluate_all(
        "ss => Object.fromEntries(ss.map(s => [s.dataset.label, Number(s.dataset.count)]))"
    )
    assert bar == {k: n for k, n in summary["labels"].items() if n}
    for kind in ("best", "worst"):
        hrefs = await group.locator(f"ol.{kind} a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert hrefs == [f"/jobs/{job_id}/products/{b['row']}" for b in summary[kind][:named]]


async def _download(page: Page, tmp_path: Path, name: str) -> tuple[str, bytes]:
    async with page.expect_download() as info:
        await page.click("#overview-csv")
    download = await info.value
    saved = tmp_path / name
    await download.save_as(saved)
    return download.suggested_filename, saved.read_bytes()


async def test_the_overview_shows_the_jobs_shares_extremes_and_aspects_grouped_and_downloaded(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path, token=TOKEN) as api, api.client() as http:
        job_id = await api.run_example(http)
        whole = (await http.get(f"/api/v1/jobs/{job_id}/overview")).json()
        grouped = (await http.get(f"/api/v1/jobs/{job_id}/overview", params={"group_by": "category"})).json()
        assert whole["products"] > 10 and whole["best"] and whole["aspects"] and len(grouped["groups"]) > 1

        page = await browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        await page.goto(f"{api.url}/jobs/{job_id}")
        await page.fill("#token-input", TOKEN)
        await page.click("#token-form button")
        overview = page.locator("#overview")

        # The whole job: shares, best and worst, aspects (the ones driving negative products first, as the API).
        all_products = overview.locator('.overview-group[data-group=""]')
        await expect(all_products).to_be_visible(timeout=60_000)
        await _shows_summary(all_products, job_id, whole)
        for label in LABELS:
            await expect(all_products.locator(f'[data-legend="{label}"]')).to_have_text(str(whole["labels"][label]))
        aspects = await all_products.locator("tr[data-aspect]").evaluate_all("rs => rs.map(r => r.dataset.aspect)")
        assert aspects == [a["name"] for a in whole["aspects"]]
        for driver in [a for a in whole["aspects"] if a["negative_products"]][:3]:
            await expect(all_products.locator(".drivers")).to_contain_text(
                f"{driver['name']} ({driver['negative_products']})"
            )
        options = await page.locator("#group-by option").evaluate_all("os => os.map(o => o.value)")
        assert options == ["", "product_id", "name", "category"]

        # Grouped by the uploaded category: the API's groups, each with its own summary.
        await page.select_option("#group-by", "category")
        groups = overview.locator(".overview-group")
        await expect(groups).to_have_count(len(grouped["groups"]))
        assert await groups.evaluate_all("gs => gs.map(g => g.dataset.group)") == [
            g["value"] for g in grouped["groups"]
        ]
        for i, summary in enumerate(grouped["groups"]):
            await _shows_summary(groups.nth(i), job_id, summary, named=GROUP_EXTREMES)
        await _shows_summary(overview.locator(".overview-all"), job_id, whole, named=GROUP_EXTREMES)
        await expect(page.locator("#group-by")).to_have_value("category")
        IMG.mkdir(parents=True, exist_ok=True)
        await page.locator("#overview").screenshot(path=IMG / "web-overview.png")

        # The CSV follows the group-by on screen, sent with the token as a header (a bare link would be refused).
        name, body = await _download(page, tmp_path, "by-category.csv")
        expected = await http.get(f"/api/v1/jobs/{job_id}/overview", params={"format": "csv", "group_by": "category"})
        assert body == expected.content and name == f"overview-{job_id}-by-category.csv"
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert lines[0][0] == "category" and [line[0] for line in lines[1:]] == [g["value"] for g in grouped["groups"]]

        await page.select_option("#group-by", "")
        await expect(groups).to_have_count(1)
        name, body = await _download(page, tmp_path, "all.csv")
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert name == f"overview-{job_id}.csv" and [line[0] for line in lines] == ["group", "all products"]

        # A column the job does not have is said to be unknown, in words.
        refused = await http.get(f"/web/jobs/{job_id}/overview", params={"group_by": "colour"})
        assert refused.status_code == 422 and "colour" in refused.text

        # The best product's link opens its page.
        best = whole["best"][0]
        product = (await http.get(f"/api/v1/jobs/{job_id}/products/{best['row']}")).json()
        await all_products.locator(f'ol.best a[data-row="{best["row"]}"]').click()
        await page.wait_for_url(f"**/jobs/{job_id}/products/{best['row']}")
        await expect(page.locator("#product-name")).to_have_text(product["name"] or product["product_id"])

        # A job without a scored product says so, rather than drawing empty bars (the source knows no such product).
        ghost = b"product_id,name\nnotfound-ghost-404,Ghost product\n"
        created = await http.post("/api/v1/jobs", files={"file": ("ghost.csv", ghost, "text/csv")})
        ghost_id = created.json()["job_id"]
        await api.wait_done(http, ghost_id)
        await page.goto(f"{api.url}/jobs/{ghost_id}")
        await expect(page.locator("#overview-empty")).to_contain_text("No scored products yet", timeout=60_000)
        assert await page.locator("#group-by option").evaluate_all("os => os.map(o => o.value)") == [
            "",
            "product_id",
            "name",
        ]
        await page.close()
