"""/docs, the interactive API docs, served by the service itself: it renders with every request to anything but
the service refused, and with API_TOKEN set its Authorize button makes "Try it out" work."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Route, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve


async def test_api_docs_work_without_any_cdn(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    token = "docs-token"
    async with serve(temporal_client, state, tmp_path, token=token) as api:
        context = await browser.new_context()
        elsewhere: list[str] = []

        async def only_the_service(route: Route) -> None:
            if route.request.url.startswith(api.url + "/"):
                await route.continue_()
            else:
                elsewhere.append(route.request.url)
                await route.abort("internetdisconnected")

        await context.route("**/*", only_the_service)
        page = await context.new_page()
        await page.goto(api.url + "/")
        await page.click("header >> text=API docs")
        await page.wait_for_url("**/docs")
        retry = page.locator("#operations-jobs-retry_api_v1_jobs__job_id__retry_post")
        await expect(retry).to_be_visible()
        assert await page.locator(".opblock").count() >= 15

        # API_TOKEN: the page itself is public, the operations need the token, which Authorize supplies.
        listing = page.locator("#operations-jobs-list_jobs_api_v1_jobs_get")
        await listing.locator(".opblock-summary").click()
        await listing.locator(".try-out__btn").click()
        await listing.locator(".execute").click()
        status = listing.locator(".live-responses-table tbody .response-col_status")
        await expect(status).to_have_text(re.compile(r"^401\b"))  # Undocumented: the schema names no 401
        await page.click(".auth-wrapper .authorize")
        await page.fill(".auth-container input", token)
        await page.click(".auth-btn-wrapper .authorize")
        await page.click(".auth-btn-wrapper .btn-done")
        await listing.locator(".execute").click()
        await expect(status).to_have_text(re.compile(r"^200\b"))
        assert elsewhere == []
        await context.close()
