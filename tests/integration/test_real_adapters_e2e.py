"""Jobs through the HTTP API on the real adapters, each against its loopback fake, wired from settings exactly as
the worker wires them (build_adapters): Walmart-signed reviews scored by Comprehend, Gemini with summaries, and
rejected credentials failing rows while the job completes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.client import Client

from internal.app.state import StateManager
from tests.fakes.comprehend import FakeComprehend, served_as_aws
from tests.fakes.gemini import FakeGemini
from tests.fakes.reviews_api import API_KEY as REVIEWS_API_KEY
from tests.fakes.reviews_api import FakeReviewsApi
from tests.fakes.server import serve_app
from tests.fakes.walmart import FakeWalmart
from tests.integration.api_harness import Api, api_on

CONSUMER = "consumer-e2e"


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> Path:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    return path


@pytest.fixture(scope="module")
def walmart_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def walmart(walmart_key: rsa.RSAPrivateKey) -> Iterator[tuple[FakeWalmart, str]]:
    fake = FakeWalmart(walmart_key.public_key(), CONSUMER)
    with serve_app(fake.app) as url:
        yield fake, url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeComprehend]:
    with served_as_aws(monkeypatch, tmp_path_factory.mktemp("aws") / "none") as fake:
        yield fake


async def _run(http: httpx.AsyncClient, api: Api, ids: list[str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    body = ("product_id,category\n" + "".join(f"{i},kitchen\n" for i in ids)).encode()
    created = await http.post("/api/v1/jobs", files={"file": ("p.csv", body, "text/csv")})
    assert created.status_code == 201, created.text
    job_id = created.json()["job_id"]
    final = await api.wait_done(http, job_id, timeout=180)
    exported = await http.get(f"/api/v1/jobs/{job_id}/results", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    return final, rows


async def test_walmart_reviews_scored_by_comprehend(
    temporal_client: Client,
    state: StateManager,
    tmp_path: Path,
    walmart: tuple[FakeWalmart, str],
    walmart_key: rsa.RSAPrivateKey,
    aws_env: FakeComprehend,
) -> None:
    fake_walmart, url = walmart
    overrides = {
        "review_source": "walmart",
        "walmart_base_url": url,
        "wm_consumer_id": CONSUMER,
        "wm_private_key_path": _write_key(tmp_path / "wm.pem", walmart_key),
        "scorer": "comprehend",
    }
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        final, rows = await _run(http, api, ["1001", "1002", "missing-7"])
    assert final["status"] == "completed" and final["total"] == 3
    by_id = {r["product_id"]: r for r in rows}
    for item in ("1001", "1002"):
        row = by_id[item]
        assert row["status"] in ("succeeded", "low_confidence"), row
        assert row["review_count"] == "25" and row["source"] == "walmart"
        # Walmart's reviewStatistics.totalReviewCount, next to the number scored; real reviews, not demo data.
        assert (row["reviews_available"], row["demo_data"]) == ("25", "false")
        assert not row["reason"].startswith("demo data")
        assert row["product_name"] == f"Fake item {item}" and row["price"] == "19.99"
        assert row["product_url"] == f"https://www.walmart.com/ip/{item}"
        assert row["scorers"] == "comprehend:25" and row["category"] == "kitchen"
    assert by_id["missing-7"]["status"] == "failed" and "product not found" in by_id["missing-7"]["reason"]
    # 25 reviews over 3 signed pages per product; Comprehend saw every review text.
    assert fake_walmart.requests["/reviews/1001"] == 3 and not fake_walmart.rejections
    assert sum(len(batch) for batch in aws_env.requests) == 50


async def test_rejected_credentials_fail_rows_and_the_job_completes(
    temporal_client: Client, state: StateManager, tmp_path: Path, walmart: tuple[FakeWalmart, str]
) -> None:
    fake_walmart, url = walmart
    wrong_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    overrides = {
        "review_source": "walmart",
        "walmart_base_url": url,
        "wm_consumer_id": CONSUMER,
        "wm_private_key_path": _write_key(tmp_path / "wrong.pem", wrong_key),
    }
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        final, rows = await _run(http, api, ["2001", "2002"])
    assert final["status"] == "completed" and final["failed"] == 2
    assert all(r["status"] == "failed" and r["reason"] == "credentials rejected by walmart" for r in rows)
    # Non-retryable: one request per product, not ten.
    assert fake_walmart.requests["/reviews/2001"] == 1 and "bad signature" in fake_walmart.rejections


async def test_gemini_scores_and_summarises(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    fake = FakeGemini()
    with serve_app(fake.app) as url:
        overrides = {"scorer": "gemini", "gemini_api_key": fake.api_key, "gemini_base_url": url}
        async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
            final, rows = await _run(http, api, ["pos-g1", "neg-g2", "none-g3"])
    assert final["status"] == "completed"
    by_id = {r["product_id"]: r for r in rows}
    for item in ("pos-g1", "neg-g2"):
        assert by_id[item]["scorers"] == "gemini:40", by_id[item]
        assert by_id[item]["summary"].startswith("Customers of Demo "), by_id[item]
    assert by_id["pos-g1"]["label"] == "positive" and by_id["neg-g2"]["label"] == "negative"
    assert by_id["none-g3"]["status"] == "no_reviews" and by_id["none-g3"]["summary"] == ""


async def test_generic_json_api_source(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        overrides = {
            "review_source": "http",
            "reviews_http_url": url + "/v1/products/{product_id}/reviews?cursor={cursor}",
            "reviews_http_headers": json.dumps({"X-Api-Key": REVIEWS_API_KEY}),
            "reviews_http_mapping": "simple",
        }
        async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
            final, rows = await _run(http, api, ["sku-1", "missing-2"])
    assert final["status"] == "completed"
    by_id = {r["product_id"]: r for r in rows}
    assert by_id["sku-1"]["review_count"] == "12" and by_id["sku-1"]["source"] == "http"
    assert by_id["sku-1"]["product_name"] == "Product sku-1" and by_id["sku-1"]["price"] == "12.5"
    assert fake.requests["sku-1"] == 3  # 12 reviews, 5 a page, followed by cursor
    assert by_id["missing-2"]["status"] == "failed" and "product not found" in by_id["missing-2"]["reason"]


async def test_review_file_source(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    export = tmp_path / "reviews.jsonl"
    lines = [
        {
            "product_id": "A-1",
            "review_id": f"a{i}",
            "text": "Excellent, works great!",
            "rating": 5,
            "date": "2025-01-02",
        }
        for i in range(8)
    ] + [{"product_id": "B-2", "review_id": f"b{i}", "text": "Broke in a day. Awful.", "rating": 1} for i in range(6)]
    export.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n")
    overrides = {"review_source": "file", "reviews_file": export}
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        final, rows = await _run(http, api, ["A-1", "B-2", "C-3"])
    assert final["status"] == "completed"
    by_id = {r["product_id"]: r for r in rows}
    assert by_id["A-1"]["label"] == "positive" and by_id["A-1"]["review_count"] == "8"
    assert by_id["B-2"]["label"] == "negative" and by_id["B-2"]["mean_rating"] == "1.0"
    assert by_id["C-3"]["status"] == "failed" and "product not found" in by_id["C-3"]["reason"]


async def test_escalation_sends_only_unsure_reviews_to_the_next_scorer(
    temporal_client: Client, state: StateManager, tmp_path: Path, aws_env: FakeComprehend
) -> None:
    overrides = {"scorer_chain": "vader,comprehend"}
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        final, rows = await _run(http, api, ["weak-e1"])
    assert final["status"] == "completed" and rows[0]["status"] == "low_confidence"
    scored = await state.reviews.load_scores(str(final["job_id"]), 2)
    unsure = {r.review_id for r, scores in scored for s in scores if s.scorer == "vader" and s.confidence < 0.5}
    escalated = {r.review_id for r, scores in scored for s in scores if s.scorer == "comprehend"}
    # VADER was unsure about some of the lukewarm reviews; exactly those, and only once each, went to Comprehend.
    assert 0 < len(unsure) < len(scored) and escalated == unsure
    assert sorted(text for batch in aws_env.requests for text in batch) == sorted(
        r.text for r, _ in scored if r.review_id in unsure
    )
