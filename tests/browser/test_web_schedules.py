"""The schedules page in a real browser against the real API, worker, Temporal and PostgreSQL: create a schedule
from a CSV, see it listed with its next run, pause and resume it, run it now (its job shows up, linked), delete it;
a refused form says why."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect
from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


async def test_create_pause_resume_run_and_delete_a_schedule(
    temporal_client: Client, state: StateManager, tmp_path: Path, browser: Browser
) -> None:
    csv_path = tmp_path / "watch.csv"
    csv_path.write_text("product_id,name\npos-kettle-7,Kettle\nneg-toaster-1,Toaster\n")
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("dialog", lambda dialog: dialog.accept())
        await page.goto(api.url + "/")
        await page.click("header >> text=Schedules")
        await page.wait_for_url("**/schedules")
        await expect(page.locator("#schedules")).to_have_text("No schedules yet.")

        # Neither an interval nor a cron: refused, and the page says what is missing.
        await page.set_input_files("#schedule-file", csv_path)
        await page.click("#schedule-create")
        await expect(page.locator("#schedule-result .error")).to_contain_text("The schedule was refused")
        assert (await http.get("/api/v1/schedules")).json()["schedules"] == []

        await page.fill("#schedule-name", "nightly kettles")
        await page.fill("#schedule-every", "1d")
        await page.click("#schedule-create")
        await expect(page.locator("#schedule-result")).to_contain_text("Created nightly kettles: 2 rows")
        listed = (await http.get("/api/v1/schedules")).json()["schedules"]
        assert [s["name"] for s in listed] == ["nightly kettles"]
        sid = listed[0]["schedule_id"]
        row = page.locator(f'tr[data-schedule="{sid}"]')
        await expect(row).to_have_attribute("data-state", "active")
        await expect(row.locator("td").nth(1)).to_have_text("every 1d")
        await expect(row.locator("time")).to_have_count(1)  # its next run, from Temporal

        await row.locator('button[data-action="pause"]').click()
        await expect(page.locator("#schedule-said")).to_have_text(f"Schedule {sid}: paused.")
        await expect(row).to_have_attribute("data-state", "paused", timeout=10_000)
        assert (await http.get(f"/api/v1/schedules/{sid}")).json()["state"] == "paused"
        await row.locator('button[data-action="resume"]').click()
        await expect(row).to_have_attribute("data-state", "active", timeout=10_000)

        await row.locator('button[data-action="trigger"]').click()
        await expect(page.locator("#schedule-said")).to_have_text(f"Schedule {sid}: started a run.")
        job_link = row.locator("td").nth(4).locator("a").first
        await expect(job_link).to_be_visible(timeout=30_000)
        job_id = await job_link.inner_text()
        assert (await http.get(f"/api/v1/schedules/{sid}")).json()["recent_runs"][0]["job_id"] == job_id
        await api.wait_done(http, job_id)
        await expect(row.locator("td").nth(4)).to_contain_text("completed", timeout=10_000)
        IMG.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=IMG / "web-schedules.png")

        await row.locator('button[data-action="delete"]').click()
        await expect(page.locator("#schedules")).to_have_text("No schedules yet.", timeout=10_000)
        assert (await http.get(f"/api/v1/schedules/{sid}")).json()["state"] == "deleted"
        await page.close()
