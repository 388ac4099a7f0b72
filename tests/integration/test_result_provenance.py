"""What a result rests on, said where a person reads it: how many reviews were scored out of how many the source
reports, and whether the reviews were invented (the demo source). Through the real API, worker, Temporal server and
PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from temporalio.client import Client

from internal.app.state import StateManager
from internal.jobs.export import DEMO_REASON
from tests.integration.api_harness import serve


async def test_a_sampled_demo_score_says_so_in_json_and_csv(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    # many-*: 400 demo reviews, 20 a page; the default budget of 3 pages scores 60 of them. pos-*: 40, all read.
    data = b"product_id,name\nmany-1,Kettle\npos-1,Toaster\n"
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        created = await http.post("/api/v1/jobs", files={"file": ("p.csv", data, "text/csv")})
        assert created.status_code == 201, created.text
        job_id = created.json()["job_id"]
        assert (await api.wait_done(http, job_id))["status"] == "completed"
        page = (await http.get(f"/api/v1/jobs/{job_id}/results")).json()["results"]
        exported = await http.get(f"/api/v1/jobs/{job_id}/results", params={"format": "csv"})
    sampled, whole = page
    assert sampled["status"] == "succeeded" and sampled["attempts"] == 1
    result = sampled["result"]
    assert (result["review_count"], result["reviews_available"], result["demo_data"]) == (60, 400, True)
    assert sampled["reason"].endswith("; scored on 60 of 400 reviews (a sample: the first 3 pages)")
    assert (whole["result"]["review_count"], whole["result"]["reviews_available"]) == (40, 40)
    assert "scored on" not in whole["reason"]  # every review the source has was scored

    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["review_count"], r["reviews_available"], r["demo_data"]) for r in rows] == [
        ("60", "400", "true"),
        ("40", "40", "true"),
    ]
    assert rows[0]["reason"] == DEMO_REASON + sampled["reason"]
    assert rows[1]["reason"].startswith("demo data (invented reviews): 40 reviews")
