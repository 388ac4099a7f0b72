"""The web page in a real browser (Debian's chromium via Playwright) against the real API, worker, Temporal and
PostgreSQL on loopback. Screenshots of each page go to docs/img/ for the README."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "products.csv"
IMG = ROOT / "docs" / "img"
COUNTS = ("pending", "running", "succeeded", "low_confidence", "no_reviews", "failed", "cancelled", "invalid",
          "duplicate")  # fmt: skip


async def _counts(page: Page) -> dict[str, int]:
    return {name: int(await page.locator(f'tr[data-count="{name}"] td').inner_text()) for name in COUNTS}


async def test_upload_example_watch_it_finish_filter_sort_and_download(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        page = await browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        await page.goto(api.url + "/")
        await page.set_input_files("#file-input", EXAMPLE)
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        job_id = page.url.rsplit("/", 1)[1]
        await expect(page.locator("#job-status")).to_have_text("completed", timeout=120_000)
        await expect(page.locator("#job-percent")).to_have_text("100 %")
        counts = await _counts(page)
        total = int(await page.locator("#job-total").inner_text())
        api_progress = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
        assert sum(counts.values()) == total == api_progress["total"] == 49
        assert counts == {k: api_progress[k] for k in COUNTS}
        spent = api_progress["costs"]
        assert spent["source_requests"] > 0 and spent["scorer_calls"] > 0
        await expect(page.locator("#job-costs")).to_have_text(
            f"Cost so far: {spent['source_requests']} source requests · {spent['scorer_calls']} scorer calls"
        )
        await expect(page.locator("#btn-cancel")).to_be_disabled()
        rows = (await http.get(f"/api/v1/jobs/{job_id}/results", params={"limit": 1000})).json()["results"]
        scored = sum(1 for r in rows if r["result"] and r["result"].get("score_5") is not None)
        await expect(page.locator("#hist-title")).to_have_text(f"Product scores: {scored} scored products")
        bars = await page.locator("#histogram rect.bar").evaluate_all("bs => bs.map(b => Number(b.dataset.count))")
        assert sum(bars) == scored > 0 and len(bars) == 8
        await expect(page.locator("#results-summary")).to_contain_text(f"{total} rows")
        # Demo data says so: a banner on the job, a mark on each row whose result came from the demo source.
        await expect(page.locator("#job-demo-banner")).to_be_visible()
        await expect(page.locator("#job-demo-banner")).to_contain_text("invented")
        from_demo = sum(1 for r in rows if r["result"] and r["result"].get("source") == "demo")
        assert from_demo > 0
        await expect(page.locator("table.results .demo-mark")).to_have_count(from_demo)
        # The product is named as the user's CSV names it, with the source's name beside it.
        blender = page.locator("table.results tbody tr").first.locator("td.product")
        await expect(blender.locator(".own-name")).to_have_text("Blender 200")
        await expect(blender.locator(".source-name")).to_contain_text("Demo pos-blender-200")
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMG / "web-job.png")

        # Filter: only the rows of that status, as many as the progress counts say.
        await page.select_option("#filter-status", "succeeded")
        await page.wait_for_selector('table.results[data-filter="succeeded"]')
        await expect(page.locator("#results-summary")).to_contain_text(f"{counts['succeeded']} rows")
        statuses = await page.locator("table.results tbody tr").evaluate_all("rs => rs.map(r => r.dataset.status)")
        assert statuses and set(statuses) == {"succeeded"}

        # Sort: best score first, shown as "x.xx / 5".
        await page.select_option("#filter-status", "")
        await page.select_option("#sort", "score_desc")
        await page.wait_for_selector('table.results[data-filter=""][data-sort="score_desc"]')
        await expect(page.locator("#results-summary")).to_contain_text(f"{total} rows")
        scores = [s for s in await page.locator("table.results td.score").all_inner_texts() if s != "—"]
        values = [float(s.split(" / ")[0]) for s in scores]
        assert values and values == sorted(values, reverse=True) and all(s.endswith(" / 5") for s in scores)

        # Download: the same bytes as the API's CSV.
        async with page.expect_download() as info:
            await page.click("#csv-download")
        download = await info.value
        saved = tmp_path / "download.csv"
        await download.save_as(saved)
        expected = (await http.get(f"/api/v1/jobs/{job_id}/results", params={"format": "csv"})).content
        assert saved.read_bytes() == expected
        assert len(list(csv.reader(io.StringIO(expected.decode("utf-8-sig"))))) == total + 1

        # One row failed (a product the source does not know): the retry button runs it again, and it ends the same.
        await expect(page.locator("#btn-retry")).to_be_enabled()
        await expect(page.locator("#btn-retry")).to_contain_text("1 failed")
        await page.click("#btn-retry")
        await expect(page.locator("#action-result")).to_contain_text("1 row sent to run again")
        async with asyncio.timeout(60):
            while True:
                events = (await http.get(f"/api/v1/jobs/{job_id}/events")).json()["events"]
                if [e["kind"] for e in events].count("job.completed") == 2:
                    break
                await asyncio.sleep(0.2)
        assert (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()["failed"] == counts["failed"] == 1
        await expect(page.locator("#job-status")).to_have_text("completed", timeout=30_000)
        await expect(page.locator("#action-result")).to_be_empty()  # the job moved on: the message went with it

        # The jobs list: this job, completed, at 100 %.
        await page.goto(api.url + "/")
        row = page.locator(f'tr[data-job="{job_id}"]')
        await expect(row.locator(".status")).to_have_text("completed")
        await expect(row.locator("progress")).to_have_attribute("value", "100.0")
        await page.screenshot(path=IMG / "web-index.png", full_page=True)
        await page.close()


async def test_pause_resume_cancel_after_asking_and_run_the_cancelled_rows_again(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    big = tmp_path / "big.csv"
    big.write_text("product_id,name\n" + "".join(f"pos-item-{i},Item {i}\n" for i in range(150)))
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await page.goto(api.url + "/")
        await page.set_input_files("#file-input", big)
        await page.click("text=Job options")
        await page.fill("#opt-window", "2")  # two products at a time: slow enough to catch it running
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        job_id = page.url.rsplit("/", 1)[1]
        await expect(page.locator("#job-status")).to_have_text("running")
        await expect(page.locator("#btn-resume")).to_be_disabled()
        await page.click("#btn-pause")
        await expect(page.locator("#job-status")).to_have_text("paused")
        await expect(page.locator("#btn-pause")).to_be_disabled()
        message = page.locator("#action-result")
        await expect(message).to_contain_text("Paused")
        await page.click("#btn-resume")
        await expect(page.locator("#job-status")).to_have_text("running")
        await expect(message).not_to_contain_text("Paused")

        # Cancel asks first, saying how many rows would not run; "keep running" changes nothing.
        confirm = page.locator("#cancel-confirm")
        await page.click("#btn-cancel")
        await expect(confirm).to_be_visible()
        await expect(confirm).to_contain_text(re.compile(r"\b\d+ of the 150 rows have not run"))
        await page.click("#cancel-no")
        await expect(confirm).to_be_hidden()
        assert (await http.get(f"/api/v1/jobs/{job_id}")).json()["status"] == "running"
        await page.click("#btn-cancel")
        await page.click("#cancel-yes")
        await expect(page.locator("#job-status")).to_have_text("cancelled", timeout=60_000)
        await expect(message).to_be_empty()  # "cancelling…" was about a state that has passed
        await expect(page.locator("#btn-cancel")).to_be_disabled()
        progress = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
        assert progress["status"] == "cancelled" and progress["cancelled"] > 0
        assert sum((await _counts(page)).values()) == progress["total"] == 150

        # A cancelled job does not look complete: the bar shows the share that ran, in the cancelled colour.
        ran = progress["total"] - progress["cancelled"]
        bar = page.locator("#job-bar")
        await expect(bar).to_have_class(re.compile(r"\bcancelled\b"))
        assert round(float(await bar.get_attribute("value") or "-1")) == round(100 * ran / 150)
        await expect(page.locator("#job-percent")).to_contain_text(f"{ran} of 150 rows ran")
        await page.screenshot(path=IMG / "web-job-cancelled.png")
        listing = await context.new_page()
        await listing.goto(api.url + "/")
        listed = listing.locator(f'tr[data-job="{job_id}"] progress')
        await expect(listed).to_have_class(re.compile(r"\bcancelled\b"))
        assert round(float(await listed.get_attribute("value") or "-1")) == round(100 * ran / 150)
        await listing.close()

        # The rows that did not run can: the retry button runs the cancelled (and failed) rows again.
        retry = page.locator("#btn-retry")
        await expect(retry).to_be_enabled()
        await expect(retry).to_contain_text(f"{progress['cancelled']} cancelled")
        await retry.click()
        # About 145 rows, two at a time: a couple of minutes on a loaded machine.
        await expect(page.locator("#job-status")).to_have_text("completed", timeout=240_000)
        done = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
        assert (done["cancelled"], done["succeeded"]) == (0, 150)
        await expect(bar).not_to_have_class(re.compile(r"\bcancelled\b"))
        await expect(page.locator("#job-percent")).to_have_text("100 %")
        await expect(retry).to_be_disabled()
        await context.close()


async def test_broken_uploads_are_explained_in_words(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    no_id = tmp_path / "no-id.csv"
    no_id.write_text("name,price\nKettle,12\n")
    some_bad = tmp_path / "some-bad.csv"
    some_bad.write_text("product_id,name\npos-a,Alpha\n,Nameless\n")
    async with serve(temporal_client, state, tmp_path) as api:
        page = await browser.new_page(viewport={"width": 1280, "height": 700})
        await page.goto(api.url + "/")
        await page.set_input_files("#file-input", no_id)
        await page.click("#upload-button")
        result = page.locator("#upload-result")
        await expect(result).to_contain_text("The upload was refused")
        await expect(result).to_contain_text("product_id")
        assert "{" not in await result.inner_text()  # words, not JSON
        await page.screenshot(path=IMG / "web-upload-error.png", full_page=True)

        await page.set_input_files("#file-input", some_bad)
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        notice = page.locator("#upload-notice")
        await expect(notice).to_contain_text("1 of the 2 rows are invalid")
        await expect(notice).to_contain_text("Row 3, column 1 (product_id): product id is empty")
        await page.close()


async def test_with_api_token_the_page_asks_once_and_keeps_it_out_of_urls(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    token = "s3cret-web-token"
    async with serve(temporal_client, state, tmp_path, token=token) as api:
        context = await browser.new_context()
        page = await context.new_page()
        urls: list[str] = []
        page.on("request", lambda r: urls.append(r.url))
        await page.goto(api.url + "/")
        await expect(page.locator("#token-form")).to_be_visible()
        await page.fill("#token-input", token)
        await page.click("#token-form button")
        await expect(page.locator("#jobs")).to_contain_text("No jobs yet")
        await page.set_input_files("#file-input", EXAMPLE)
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        await expect(page.locator("#job-status")).to_have_text("completed", timeout=120_000)
        await expect(page.locator("#token-form")).to_be_hidden()  # asked once: the job page found it in the session
        assert urls and not [u for u in urls if token in u]
        await context.close()
