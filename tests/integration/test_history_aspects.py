"""Every history point keeps the aspects it was published with (issue #20 item 4, migration 0011): two pushed
batches give two points whose aspects differ, GET /api/v1/products/... carries them, and the product page's "what
changed" compares the two pushed points aspect by aspect (before, it fell back to the latest aspects); a job's point
keeps the aspects its row found."""

from __future__ import annotations

import re
from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve
from tests.integration.test_ingest import INGEST, _wait_product, review

PATH = "/api/v1/products/acme/HA"
PRAISE = {
    "p1": "The battery life is amazing, it lasts for days.",
    "p2": "Great battery, holds a charge for a week.",
    "p3": "I love how long the battery lasts.",
}
COMPLAINTS = {
    "c1": "The battery died after two days, terrible.",
    "c2": "Awful battery and way too expensive for what it is.",
    "c3": "Overpriced, and the battery is horrible. Not worth the money.",
}


def _rows(page: str) -> dict[str, str]:
    """The aspects table of the fragment: each aspect's row, by name."""
    table = page.split('id="aspects"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr data-aspect="([^"]+)">(.*?)</tr>', table, re.S))


async def test_two_pushed_points_keep_their_aspects_and_the_page_compares_them(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path, ingest=INGEST) as api, api.client() as http:
        first = [review(n, "HA", review_id=rid, text=t, rating=5) for n, (rid, t) in enumerate(PRAISE.items())]
        assert (await http.post("/api/v1/reviews?source=acme", json=first)).json()["accepted"] == 3
        await _wait_product(http, PATH, 3)
        later = [review(n, "HA", review_id=rid, text=t, rating=1) for n, (rid, t) in enumerate(COMPLAINTS.items())]
        assert (await http.post("/api/v1/reviews?source=acme", json=later)).json()["accepted"] == 3
        product = await _wait_product(http, PATH, 6)

        history = product["history"]
        assert [(h["origin"], h["review_count"]) for h in history] == [("push", 3), ("push", 6)]
        before, after = ({a["name"]: a for a in h["aspects"]} for h in history)
        assert set(before) == {"battery life"}, before
        assert {"battery life", "price"} <= set(after), after
        assert before["battery life"]["mentions"] == 3 and after["battery life"]["mentions"] == 6
        assert after["battery life"]["mean_sentiment"] < before["battery life"]["mean_sentiment"]
        assert after["price"]["mentions"] == 2 and after["price"]["mean_sentiment"] < 0
        for point in after.values():
            assert "quotes" not in point and {"ci95_low", "ci95_high"} <= point.keys()

        # The page compares the two pushed points: battery moved, price is new; not "the latest aspects".
        a, b = history[0]["history_id"], history[1]["history_id"]
        page = await http.get(f"/web/products/acme/HA?a={a}&b={b}")
        assert page.status_code == 200, page.text
        assert "Aspects that moved" in page.text and "the latest" not in page.text
        rows = _rows(page.text)
        assert {"battery life", "price"} <= set(rows), rows
        assert "3 reviews" in rows["battery life"] and "6 reviews" in rows["battery life"]
        assert "—" in rows["price"]  # no "before": price was not talked about at the first point
        # From the start to the first point: every aspect of that point is new, and price is not among them.
        start = _rows((await http.get(f"/web/products/acme/HA?a=0&b={a}")).text)
        assert set(start) == {"battery life"}


async def test_a_jobs_history_point_keeps_the_aspects_its_row_found(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        job_id = await api.run_example(http)
        row = (await http.get(f"/api/v1/jobs/{job_id}/products/2")).json()
        assert row["aspects"]
        product = (await http.get(f"/api/v1/products/demo/{row['product_id']}")).json()
        (point,) = product["history"]
        assert point["job_id"] == job_id
        assert point["aspects"] == [{k: v for k, v in a.items() if k != "quotes"} for a in row["aspects"]]
