"""Why a product scored as it did, end to end on the real API, worker, Temporal and PostgreSQL: the findings computed
in the feedback activity reach the results JSON, the CSV, the product route, the overview and `enrich show`; every
quote is a verbatim part of a stored review; a later job reuses a product's findings with its reviews."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from internal.app.state import StateManager
from tests.fakes.reviews_api import FakeReviewsApi, simple_source_settings
from tests.fakes.server import serve_app
from tests.integration.api_harness import Api, api_on, serve
from tests.integration.test_cli_output import enrich

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "products.csv"


async def _submit(http: httpx.AsyncClient, body: bytes, options: dict[str, Any] | None = None) -> str:
    data = {"options": json.dumps(options)} if options else None
    created = await http.post("/api/v1/jobs", files={"file": ("p.csv", body, "text/csv")}, data=data)
    assert created.status_code == 201, created.text
    return str(created.json()["job_id"])


async def _results(http: httpx.AsyncClient, job_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (await http.get(f"/api/v1/jobs/{job_id}/results", params={"after": after, "limit": 100})).json()
        rows += page["results"]
        if page["next_after"] is None:
            return rows
        after = page["next_after"]


async def _csv(http: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, str]]:
    response = await http.get(path, params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _quotes(findings: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    for aspect in (findings or {}).get("aspects") or []:
        yield from aspect["quotes"]
    evidence = (findings or {}).get("evidence") or {}
    for side in ("praise", "complaint"):
        if evidence.get(side):
            yield evidence[side]


async def _assert_verbatim(state: StateManager, job_id: str, row: int, quotes: Iterator[dict[str, Any]]) -> int:
    """Every quote is exactly text[start:start + len(quote)] of the stored review it names; returns how many."""
    texts = await state.findings.review_texts(job_id, row)
    n = 0
    for q in quotes:
        text = texts[q["review_id"]]
        assert text[q["start"] : q["start"] + len(q["text"])] == q["text"], (row, q)
        n += 1
    return n


async def _assert_all_outputs_verbatim(api: Api, http: httpx.AsyncClient, state: StateManager, job_id: str) -> int:
    """Over the results JSON, the product route and the CSV of every decided row of the job."""
    checked = 0
    rows = await _results(http, job_id)
    # The CSV has every row, in row order, as the JSON pages do.
    exported = dict(zip((r["row"] for r in rows), await _csv(http, f"/api/v1/jobs/{job_id}/results"), strict=True))
    for row in rows:
        if not row["findings"]:
            continue
        source_row = row["duplicate_of"] or row["row"]
        checked += await _assert_verbatim(state, job_id, source_row, _quotes(row["findings"]))
        product = (await http.get(f"/api/v1/jobs/{job_id}/products/{row['row']}")).json()
        checked += await _assert_verbatim(state, job_id, source_row, _quotes(product))
        texts = (await state.findings.review_texts(job_id, source_row)).values()
        for column in ("praise_quote", "complaint_quote"):
            cell = exported[row["row"]][column]
            assert not cell or any(cell in t for t in texts), (row["row"], column, cell)
    return checked


async def test_the_demo_job_says_why_in_every_output(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        job_id = await _submit(http, EXAMPLE.read_bytes())
        assert (await api.wait_done(http, job_id))["status"] == "completed"
        rows = await _results(http, job_id)
        decided = [r for r in rows if r["status"] in ("succeeded", "low_confidence") and r["result"]["review_count"]]
        assert decided and all(r["findings"] and r["findings"]["evidence"]["label_distribution"] for r in decided)
        # A product with reviews that talk about things has aspects, named the same across products.
        assert any(r["findings"]["aspects"] for r in decided)
        assert await _assert_all_outputs_verbatim(api, http, state, job_id) > 0

        # One product: score, interval, labels, aspects (N of M), evidence, reviews paged, why in words.
        row = next(r for r in decided if r["status"] == "succeeded" and r["findings"]["aspects"])
        product = (await http.get(f"/api/v1/jobs/{job_id}/products/{row['row']}", params={"limit": 3})).json()
        assert product["score"]["score_5"] == row["result"]["score_5"]
        assert product["score"]["ci95_low"] <= product["score"]["mean_sentiment"] <= product["score"]["ci95_high"]
        assert sum(product["label_distribution"].values()) == row["result"]["review_count"]
        assert product["why"].lower().startswith(f"{row['result']['confidence']} confidence: ")
        aspect = product["aspects"][0]
        assert 0 < aspect["mentions"] <= aspect["reviews"] == row["result"]["review_count"]
        assert aspect["quotes"] and {"review_id", "rating", "text"} <= set(aspect["quotes"][0])
        page = product["reviews"]
        assert page["total"] == row["result"]["review_count"] and len(page["items"]) == 3
        assert all(-1 <= item["sentiment"] <= 1 and item["label"] for item in page["items"])
        next_page = (
            await http.get(f"/api/v1/jobs/{job_id}/products/{row['row']}", params={"offset": 3, "limit": 3})
        ).json()["reviews"]["items"]
        assert {i["review_id"] for i in next_page}.isdisjoint(i["review_id"] for i in page["items"])

        missing = await http.get(f"/api/v1/jobs/{job_id}/products/999")
        assert missing.status_code == 404 and "has no row 999" in missing.json()["error"]["message"]
        unknown = await http.get("/api/v1/jobs/nosuchjob/products/2")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "job_not_found"

        # The overview, whole and by the uploaded `category` column, as JSON and as CSV.
        overview = (await http.get(f"/api/v1/jobs/{job_id}/overview")).json()
        scored = [r for r in rows if r["status"] != "duplicate" and r["result"] and r["result"]["score_5"]]
        assert overview["products"] == len(scored) and sum(overview["labels"].values()) == len(scored)
        assert overview["best"][0]["score_5"] == max(r["result"]["score_5"] for r in scored)
        assert overview["worst"][0]["score_5"] == min(r["result"]["score_5"] for r in scored)
        assert overview["aspects"] and overview["groups"] == []
        grouped = (await http.get(f"/api/v1/jobs/{job_id}/overview", params={"group_by": "category"})).json()
        values = {g["value"] for g in grouped["groups"]}
        assert {"kitchen", "audio", "home"} <= values
        assert sum(g["products"] for g in grouped["groups"]) == overview["products"]
        bad = await http.get(f"/api/v1/jobs/{job_id}/overview", params={"group_by": "colour"})
        assert bad.status_code == 422 and "'colour'" in bad.json()["error"]["message"]
        assert "category" in bad.json()["error"]["message"]
        lines = await _csv(http, f"/api/v1/jobs/{job_id}/overview", group_by="category")
        assert {line["category"] for line in lines} == values
        assert sum(int(line["products"]) for line in lines) == overview["products"]
        whole = await _csv(http, f"/api/v1/jobs/{job_id}/overview")
        assert len(whole) == 1 and int(whole[0]["positive"]) == overview["labels"]["positive"]

        # The results CSV: the compact columns.
        exported = await _csv(http, f"/api/v1/jobs/{job_id}/results")
        line = exported[row["row"] - 2]
        assert line["praised_aspects"] or line["complained_aspects"]
        dist = row["result"]["label_distribution"]
        assert {k: int(line[f"reviews_{k}"]) for k in ("positive", "neutral", "negative", "mixed")} == {
            k: dist.get(k, 0) for k in ("positive", "neutral", "negative", "mixed")
        }

        # The CLI prints the same evidence.
        code, out, err = await enrich("--api-url", api.url, "show", job_id, str(row["row"]), cwd=tmp_path)
        assert code == 0, err
        assert "Why: " in out and "Aspects" in out and f"row {row['row']}" in out, out
        assert f"{aspect['name']}: {aspect['mentions']} of {aspect['reviews']} reviews" in out, out
        code, _, err = await enrich("--api-url", api.url, "show", job_id, "999", cwd=tmp_path)
        assert code == 2 and "has no row 999" in err, err


@pytest.fixture
def reviews_api() -> Iterator[tuple[FakeReviewsApi, dict[str, Any]]]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        yield fake, simple_source_settings(url)


async def _row_findings(state: StateManager, job_id: str) -> dict[int, dict[str, Any]]:
    return await state.findings.rows_findings(job_id, [2, 3, 4])


async def test_a_real_format_source_is_quoted_verbatim_and_a_reusing_job_reuses_its_findings(
    temporal_client: Client, state: StateManager, tmp_path: Path, reviews_api: tuple[FakeReviewsApi, dict[str, Any]]
) -> None:
    fake, overrides = reviews_api
    fake.catalog.update({"find-1": 14, "find-2": 9, "find-3": 6})
    body = b"product_id\nfind-1\nfind-2\nfind-3\n"
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        first = await _submit(http, body)
        assert (await api.wait_done(http, first))["status"] == "completed"
        assert await _assert_all_outputs_verbatim(api, http, state, first) > 0
        fetched = sum(fake.requests.values())

        second = await _submit(http, body)
        assert (await api.wait_done(http, second))["status"] == "completed"
        assert sum(fake.requests.values()) == fetched  # the reviews were reused ...
        assert await _row_findings(state, second) == await _row_findings(state, first)  # ... and their findings
        reused = await state.rows.get_results(second, limit=10)
        assert all(r.reused for r in reused)
        flags = await _reused_flags(state, second)
        assert flags == {2: True, 3: True, 4: True}

        # A refresh that finds new reviews computes the product's findings anew.
        fake.added["find-1"] = 3
        refresh = await _submit(http, b"product_id\nfind-1\n", {"refresh": True})
        assert (await api.wait_done(http, refresh))["status"] == "completed"
        assert (await _reused_flags(state, refresh)) == {2: False}
        assert await _assert_all_outputs_verbatim(api, http, state, refresh) > 0


async def _reused_flags(state: StateManager, job_id: str) -> dict[int, bool]:
    pool = state._pool  # a test reads the flag the store keeps; no service answers it
    rows = await pool.fetch("SELECT row_num, reused FROM row_findings WHERE job_id = $1 ORDER BY row_num", job_id)
    return {int(r["row_num"]): bool(r["reused"]) for r in rows}
