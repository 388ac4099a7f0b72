"""The upload form offers what this service has configured (scorers, sources) and says how to add the rest; the
demo source's invented reviews are marked as such wherever they show, and only there."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Page, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import api_on, serve


async def _offered(page: Page, name: str) -> list[str]:
    values = await page.locator(f"input[name={name}], select[name={name}] option").evaluate_all(
        "els => els.map(e => e.value)"
    )
    return [str(v) for v in values]


async def test_a_default_service_offers_vader_and_the_demo_source_and_says_so(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path) as api:
        page = await browser.new_page()
        await page.goto(api.url + "/")
        await page.click("text=Job options")
        assert await _offered(page, "scorer") == ["vader", "lexical", "e5"]  # the offline ones, always
        help_text = page.locator("#scorer-help")
        for variable in ("GEMINI_API_KEY", "AWS_REGION", "SCORER_CHAIN", "docs/scorers.md"):
            await expect(help_text).to_contain_text(variable)
        assert await _offered(page, "source") == ["demo"]
        await expect(page.locator("#source-help")).to_contain_text("REVIEW_SOURCE")
        banner = page.locator("#demo-banner")
        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("invented")
        await page.close()


async def test_a_configured_source_and_scorer_are_offered_and_demo_is_marked_only_when_chosen(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    reviews = tmp_path / "reviews.csv"
    reviews.write_text(
        "product_id,review_id,text,rating,date\n"
        + "".join(f"sku-1,r{i},Lovely kettle that works great,5,2024-01-0{i}\n" for i in range(1, 8))
    )
    overrides = {
        "review_source": "file",
        "reviews_file": reviews,
        "scorer_chain": "vader,gemini",
        "gemini_api_key": "not-used",
        "gemini_base_url": "http://127.0.0.1:9",
    }
    upload = tmp_path / "mine.csv"
    upload.write_text("product_id,name\nsku-1,My kettle\n")
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, _http):
        page = await browser.new_page()
        await page.goto(api.url + "/")
        await page.click("text=Job options")
        assert await _offered(page, "scorer") == ["vader", "lexical", "e5", "gemini"]
        help_text = page.locator("#scorer-help")
        await expect(help_text).to_contain_text("comprehend")
        await expect(help_text).not_to_contain_text("GEMINI_API_KEY")
        assert await _offered(page, "source") == ["file", "demo"]  # the service's default first
        banner = page.locator("#demo-banner")
        await expect(banner).to_be_hidden()
        await page.select_option("select[name=source]", "demo")
        await expect(banner).to_be_visible()
        await page.select_option("select[name=source]", "file")
        await expect(banner).to_be_hidden()

        await page.check("input[name=scorer][value=vader]")  # VADER alone: the fake Gemini URL is never called
        await page.set_input_files("#file-input", upload)
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        await expect(page.locator("#job-status")).to_have_text("completed", timeout=60_000)
        await expect(page.locator("table.results tbody tr")).to_have_count(1)
        await expect(page.locator("#job-demo-banner")).to_be_hidden()
        await expect(page.locator("table.results .demo-mark")).to_have_count(0)
        await expect(page.locator("table.results td.product .own-name")).to_have_text("My kettle")
        await page.close()
