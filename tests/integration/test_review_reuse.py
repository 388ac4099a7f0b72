"""Reviews reused instead of bought twice: jobs through the HTTP API on the generic JSON source, against its
loopback fake, which counts every request it answers (internal/domain/reuse.py,
internal/enrichment/product_store.py)."""

from __future__ import annotations

import asyncio
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
from tests.integration.api_harness import Api, api_on

# What a reused row must give exactly as its first fetch did; the rest says where it came from and what it cost.
SAME = ["status", "score", "score_5", "label", "confidence", "review_count", "mean_sentiment", "scorers", "attempts"]


@pytest.fixture
def reviews_api() -> Iterator[tuple[FakeReviewsApi, dict[str, Any]]]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        yield fake, simple_source_settings(url)


async def _submit(http: httpx.AsyncClient, ids: list[str], options: dict[str, Any] | None = None) -> str:
    body = ("product_id\n" + "".join(f"{i}\n" for i in ids)).encode()
    data = {"options": json.dumps(options)} if options else None
    created = await http.post("/api/v1/jobs", files={"file": ("p.csv", body, "text/csv")}, data=data)
    assert created.status_code == 201, created.text
    return str(created.json()["job_id"])


async def _finish(http: httpx.AsyncClient, api: Api, job_id: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    final = await api.wait_done(http, job_id, timeout=120)
    exported = await http.get(f"/api/v1/jobs/{job_id}/results", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    return final, {r["product_id"]: r for r in rows}


async def test_the_same_csv_twice_is_fetched_once(
    temporal_client: Client, state: StateManager, tmp_path: Path, reviews_api: tuple[FakeReviewsApi, dict[str, Any]]
) -> None:
    fake, overrides = reviews_api
    fake.catalog.update({"sku-1": 12, "sku-2": 3, "sku-3": 7})
    ids = ["sku-1", "sku-2", "sku-3"]
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        first_job = await _submit(http, ids)
        first_final, first = await _finish(http, api, first_job)
        fetched = sum(fake.requests.values())
        assert fetched == 3 + 1 + 2  # 5 reviews a page
        second_id = await _submit(http, ids)
        second_final, second = await _finish(http, api, second_id)
        assert sum(fake.requests.values()) == fetched  # not one request more

        # Deleting the job that fetched them loses nothing: a third job still reuses them.
        assert await state.jobs.delete_job(first_job)
        _, third = await _finish(http, api, await _submit(http, ["sku-1"]))
        assert sum(fake.requests.values()) == fetched

        # With a max age of 0 the job fetches again.
        _, fresh = await _finish(http, api, await _submit(http, ["sku-2"], {"review_max_age": 0}))
        assert sum(fake.requests.values()) == fetched + 1

    for pid in ids:
        assert {c: second[pid][c] for c in SAME} == {c: first[pid][c] for c in SAME}, pid
        assert first[pid]["reused_from_job"] == "" and int(first[pid]["source_requests"]) > 0
        assert second[pid]["source_requests"] == "0" and second[pid]["reused_from_job"] == first_job
        assert second[pid]["reason"].startswith(
            f"{first[pid]['reason']}; reviews reused from job {first_job} fetched at "
        )
    assert third["sku-1"]["source_requests"] == "0" and third["sku-1"]["review_count"] == "12"
    assert fresh["sku-2"]["source_requests"] == "1" and fresh["sku-2"]["reused_from_job"] == ""
    # The job shows what it cost.
    assert first_final["costs"]["source_requests"] == fetched and first_final["costs"]["reused_rows"] == 0
    assert first_final["costs"]["scorer_calls"] == 3  # VADER, one batch per product
    assert second_final["costs"] == {"source_requests": 0, "scorer_calls": 0, "reused_rows": 3}


async def test_concurrent_jobs_fetch_a_shared_product_once(
    temporal_client: Client, state: StateManager, tmp_path: Path, reviews_api: tuple[FakeReviewsApi, dict[str, Any]]
) -> None:
    fake, overrides = reviews_api
    # `slow-` answers each request after a second: both jobs reach the shared product while it is being fetched.
    fake.catalog.update({"slow-shared": 12, "a-1": 5, "b-1": 5})
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        job_a, job_b = await asyncio.gather(
            _submit(http, ["slow-shared", "a-1"]), _submit(http, ["b-1", "slow-shared"])
        )
        (_, rows_a), (_, rows_b) = await asyncio.gather(_finish(http, api, job_a), _finish(http, api, job_b))
    assert fake.requests["slow-shared"] == 3  # three pages, once
    a, b = rows_a["slow-shared"], rows_b["slow-shared"]
    assert {c: a[c] for c in SAME} == {c: b[c] for c in SAME}
    fetcher, reuser = (a, b) if a["source_requests"] != "0" else (b, a)
    assert fetcher["source_requests"] == "3" and reuser["source_requests"] == "0"
    assert reuser["reused_from_job"] in (job_a, job_b) and reuser["reused_from_job"] != ""


async def test_a_refresh_fetches_only_newer_reviews_and_reports_the_change(
    temporal_client: Client, state: StateManager, tmp_path: Path, reviews_api: tuple[FakeReviewsApi, dict[str, Any]]
) -> None:
    fake, overrides = reviews_api
    fake.catalog["sku-r"] = 12
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        first_job = await _submit(http, ["sku-r"])
        _, first = await _finish(http, api, first_job)
        assert fake.requests["sku-r"] == 3
        fake.added["sku-r"] = 4  # four bad reviews, listed first
        refresh_job = await _submit(http, ["sku-r"], {"refresh": True})
        refresh_final, refreshed = await _finish(http, api, refresh_job)
        # Page 1 holds the four new reviews and one already stored: the refresh stops there.
        assert fake.requests["sku-r"] == 4
        rescored = await state.reviews._pool.fetchval(
            "SELECT count(*) FROM review_scores s JOIN jobs j USING (job_id) "
            "WHERE s.job_id = $1 AND s.scored_at >= j.started_at",
            refresh_job,
        )
    row = refreshed["sku-r"]
    assert row["review_count"] == "16" and row["new_reviews"] == "4" and row["source_requests"] == "1"
    assert rescored == 4  # only the new reviews were scored; the 12 stored kept their verdicts
    assert float(row["score_5"]) < float(first["sku-r"]["score_5"])
    assert float(row["score_change"]) == pytest.approx(float(row["score_5"]) - float(first["sku-r"]["score_5"]), 1e-3)
    assert f"refreshed: 12 stored reviews from job {first_job}" in row["reason"]
    assert refresh_final["costs"]["source_requests"] == 1


async def test_a_job_with_another_scorer_chain_reuses_the_reviews_but_scores_them_itself(
    temporal_client: Client, state: StateManager, tmp_path: Path, reviews_api: tuple[FakeReviewsApi, dict[str, Any]]
) -> None:
    fake, overrides = reviews_api
    fake.catalog.update({"chain-1": 12, "chain-2": 4})
    ids = ["chain-1", "chain-2"]
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        vader_job = await _submit(http, ids)
        _, by_vader = await _finish(http, api, vader_job)
        fetched = sum(fake.requests.values())
        lexical_job = await _submit(http, ids, {"scorer_chain": ["lexical"]})
        _, by_lexical = await _finish(http, api, lexical_job)
        again_final, again = await _finish(http, api, await _submit(http, ids, {"scorer_chain": ["lexical"]}))
    assert sum(fake.requests.values()) == fetched  # the reviews are reused, never bought again
    for pid in ids:
        assert by_vader[pid]["scorers"].startswith("vader:")  # the scorer and how many reviews it had the word on
        # Not the VADER job's verdict under the lexical job's name: the reused reviews are scored by lexical.
        assert by_lexical[pid]["scorers"] == f"lexical:{by_vader[pid]['review_count']}", by_lexical[pid]
        assert (
            by_lexical[pid]["source_requests"] == "0"
            and by_lexical[pid]["review_count"] == by_vader[pid]["review_count"]
        )
        assert by_lexical[pid]["reused_from_job"] == vader_job
        # A third lexical job gets the same verdict from the kept lexical scores, without scoring anything again.
        assert {c: again[pid][c] for c in SAME} == {c: by_lexical[pid][c] for c in SAME}
    assert again_final["costs"]["scorer_calls"] == 0
