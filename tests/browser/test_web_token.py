"""The page with API_TOKEN set, when the token is wrong or the service cannot be reached: every request ends in a
result or a message saying what went wrong, never in a `Loading…` or `Uploading…` that stays for ever."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, Route, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "products.csv"


async def test_a_wrong_token_is_said_to_be_refused_and_asked_for_again(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    token = "the-right-token"
    async with serve(temporal_client, state, tmp_path, token=token) as api:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(api.url + "/")
        form, problem = page.locator("#token-form"), page.locator("#token-problem")
        await expect(form).to_be_visible()
        await expect(problem).to_be_hidden()  # nothing was refused yet
        jobs = page.locator("#jobs")
        await expect(jobs).to_contain_text("API token")  # the list says what it waits for, not `Loading…`
        await page.fill("#token-input", "a-wrong-token")
        await page.click("#token-form button")
        await expect(form).to_be_visible()
        await expect(problem).to_be_visible()
        await expect(problem).to_contain_text("refused")
        await expect(jobs).to_contain_text("refused")
        await expect(jobs).not_to_contain_text("Loading")

        await page.set_input_files("#file-input", EXAMPLE)
        await page.click("#upload-button")
        result = page.locator("#upload-result")
        await expect(result).to_contain_text("token")
        await expect(result).not_to_contain_text("Uploading")

        await page.fill("#token-input", token)
        await page.click("#token-form button")
        await expect(form).to_be_hidden()
        await expect(jobs).to_contain_text("No jobs yet")  # reloaded at once with the new token

        # A token that goes bad while a job page is open: the page says so there too.
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        await expect(page.locator("#job-status")).not_to_have_text("…")
        await page.evaluate("sessionStorage.setItem('reviewEnrichmentToken', 'gone-bad')")
        await expect(problem).to_contain_text("refused")
        await expect(page.locator("#job-error")).to_contain_text("refused")
        await page.fill("#token-input", token)
        await page.click("#token-form button")
        await expect(page.locator("#job-error")).to_be_hidden()
        await context.close()


async def test_an_unreachable_service_is_said_not_left_loading(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    async with serve(temporal_client, state, tmp_path) as api:
        context = await browser.new_context()
        page = await context.new_page()

        async def cut(route: Route) -> None:
            await route.abort("connectionrefused")

        await page.route("**/web/jobs", cut)
        await page.route("**/api/v1/jobs", cut)
        await page.goto(api.url + "/")
        await expect(page.locator("#jobs")).to_contain_text("Could not reach the service")
        await page.set_input_files("#file-input", EXAMPLE)
        await page.click("#upload-button")
        result = page.locator("#upload-result")
        await expect(result).to_contain_text("Could not reach the service")
        await expect(result).not_to_contain_text("Uploading")

        await page.unroute("**/web/jobs")
        await page.unroute("**/api/v1/jobs")
        await expect(page.locator("#jobs")).to_contain_text("No jobs yet")  # the next refresh works again
        await page.click("#upload-button")
        await page.wait_for_url("**/jobs/*")
        await context.close()
