"""A product known only from pushes has aspects and evidence (issue #20 item 3): the live refresh analyses the
reviews its sentiment counts and keeps their findings, which GET /api/v1/products/... and the history page show."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from tests.integration.api_harness import serve
from tests.integration.test_ingest import INGEST, _wait_product, review

TEXTS = {
    "b1": "The battery life is great. It lasts for days.",
    "b2": "Sadly the battery died after a week.",
    "b3": "Battery holds a charge well, I am happy.",
    "s1": "Shipping was slow and the box was crushed.",
    "s2": "Delivery took three weeks, shipping was terrible.",
}


async def test_pushed_reviews_give_the_product_aspects_with_verbatim_quotes(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path, ingest=INGEST) as api, api.client() as http:
        pushed = [
            review(n, "LF", review_id=rid, text=text, rating=4 if rid in ("b1", "b3") else 2)
            for n, (rid, text) in enumerate(TEXTS.items())
        ]
        got = await http.post("/api/v1/reviews?source=acme", json=pushed)
        assert got.status_code == 202 and got.json()["accepted"] == 5, got.text
        # Findings are stored before the sentiment is published: once it counts every review, they are there.
        product = await _wait_product(http, "/api/v1/products/acme/LF", 5)
        findings = product["findings"]
        assert findings is not None and findings["review_count"] == 5
        by_name = {a["name"]: a for a in findings["aspects"]}
        assert {"battery life", "shipping"} <= by_name.keys(), by_name.keys()
        assert by_name["battery life"]["mentions"] == 3 and by_name["shipping"]["mentions"] == 2
        quotes = [q for a in findings["aspects"] for q in a["quotes"]]
        evidence = findings["evidence"]
        quotes += [q for q in (evidence["praise"], evidence["complaint"]) if q]
        assert quotes
        for q in quotes:
            text = TEXTS[q["review_id"]]
            assert text[q["start"] : q["start"] + len(q["text"])] == q["text"]  # verbatim, where it says
        assert by_name["shipping"]["mean_sentiment"] < 0 < by_name["battery life"]["mean_sentiment"]

        # The history page's aspects section shows them (the product has no job, so no point kept its own).
        page = await http.get("/web/products/acme/LF")
        assert page.status_code == 200
        assert "battery life" in page.text and "shipping" in page.text

        # One more review: another fingerprint, so the findings are computed anew.
        again = await http.post("/api/v1/reviews?source=acme", json=[review(9, "LF", text="Shipping was fast.")])
        assert again.json()["accepted"] == 1
        later = await _wait_product(http, "/api/v1/products/acme/LF", 6)
        assert later["findings"]["review_count"] == 6
        assert {a["name"]: a for a in later["findings"]["aspects"]}["shipping"]["mentions"] == 3
