"""End to end through HTTP on loopback: the real API, worker, Temporal server and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from internal.adapters.uploads.local import LocalUploads
from internal.app.state import StateManager
from tests.corpus import CORPUS, corpus_cases
from tests.integration.api_harness import Api, serve

CSV = b'product_id,name,notes\npos-a1,Alpha,=HYPERLINK("http://evil")\nneg-b2,Beta,-12\n,Nameless,x\npos-a1,Again,\n'


async def _upload(http: Any, data: bytes, name: str = "p.csv", **kw: Any) -> Any:
    return await http.post("/api/v1/jobs", files={"file": (name, data, "text/csv")}, **kw)


async def test_csv_upload_to_results_json_and_csv(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        created = await _upload(http, CSV)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["workflow_id"] == f"job-{body['job_id']}"
        assert (body["total_rows"], body["invalid_rows"], body["duplicate_rows"]) == (4, 1, 1)
        assert body["invalid_samples"] == [
            {"row": 4, "column": 1, "column_name": "product_id", "reason": "product id is empty"}
        ]
        job_id = body["job_id"]
        progress = await api.wait_done(http, job_id)
        assert progress["status"] == "completed" and progress["percent"] == 100.0
        counted = sum(
            int(str(progress[k]))
            for k in (
                "pending",
                "running",
                "succeeded",
                "low_confidence",
                "no_reviews",
                "failed",
                "cancelled",
                "invalid",
                "duplicate",
            )
        )
        assert counted == progress["total"] == 4

        page = (await http.get(f"/api/v1/jobs/{job_id}/results", params={"limit": 2})).json()
        assert [r["row"] for r in page["results"]] == [2, 3] and page["next_after"] == 3
        rest = (await http.get(f"/api/v1/jobs/{job_id}/results", params={"after": 3})).json()
        assert [r["status"] for r in rest["results"]] == ["invalid", "duplicate"] and rest["next_after"] is None
        first = page["results"][0]
        assert first["status"] == "succeeded" and first["result"]["review_count"] > 0
        assert first["input"]["name"] == "Alpha"

        response = await http.get(f"/api/v1/jobs/{job_id}/results", params={"format": "csv"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["product_id"] for r in rows] == ["pos-a1", "neg-b2", "", "pos-a1"]
        assert rows[0]["notes"].startswith("'=")  # formula neutralised for spreadsheets
        assert rows[1]["notes"] == "-12"  # a plain negative number stays a number
        assert rows[0]["status"] == "succeeded" and rows[0]["score"].endswith("/ 5")
        assert rows[0]["product_name"] == "Demo pos-a1" and rows[0]["product_url"].startswith("https://")
        assert rows[3]["status"] == "duplicate" and rows[3]["score"] == rows[0]["score"]

        job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        assert job["status"] == "completed" and job["progress"]["succeeded"] == 2
        listing = (await http.get("/api/v1/jobs", params={"limit": 10})).json()
        assert job_id in [j["job_id"] for j in listing["jobs"]]
        metrics = (await http.get("/metrics")).text
        assert "jobs_created_total 1.0" in metrics
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"


async def test_json_products_with_options(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        payload = {
            "products": ["pos-j1", {"product_id": "few-j2", "name": "Two", "shelf": "B4"}, {"product_id": " "}],
            "options": {"window": 2, "max_retries": 2, "policy": {"min_reviews": 3}},
        }
        created = await http.post("/api/v1/jobs", json=payload)
        assert created.status_code == 201, created.text
        job_id = created.json()["job_id"]
        assert created.json()["invalid_rows"] == 1
        await api.wait_done(http, job_id)
        results = (await http.get(f"/api/v1/jobs/{job_id}/results")).json()["results"]
        assert [r["status"] for r in results] == ["succeeded", "succeeded", "invalid"]
        assert results[1]["input"]["shelf"] == "B4"
        job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        assert job["options"]["window"] == 2 and job["options"]["policy"]["min_reviews"] == 3

        bad = await http.post("/api/v1/jobs", json={"products": [], "options": {"window": 0, "bogus": 1}})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
        fields = {d["field"] for d in bad.json()["error"]["details"]}
        assert {"products", "options.window", "options.bogus"} <= fields


def _local(api: Api) -> LocalUploads:
    assert isinstance(api.services.uploads, LocalUploads)
    return api.services.uploads


async def test_signed_url_flow(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        signed = (await http.post("/api/v1/enrichment-signed-url", json={"filename": "mine.csv"})).json()
        job_id, url = signed["job_id"], signed["upload_url"]
        assert signed["method"] == "PUT" and url.startswith(api.url)
        early = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert early.status_code == 409 and early.json()["error"]["code"] == "no_upload"
        tampered = url.replace("token=", "token=1")
        assert (await http.put(tampered, content=b"product_id\nx\n")).status_code == 403
        other = url.replace(job_id, "0" * 16)
        assert (await http.put(other, content=b"product_id\nx\n")).status_code == 403
        expired_token, _ = _local(api).signer.sign(job_id, now=0)
        expired = await http.put(f"/api/v1/uploads/{job_id}", params={"token": expired_token}, content=b"x")
        assert expired.status_code == 403 and "expired" in expired.json()["error"]["message"]
        put = await http.put(url, content=b"product_id,name\npos-s1,One\nneg-s2,Two\n", headers=signed["headers"])
        assert put.status_code == 204
        started = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert started.status_code == 201, started.text
        assert started.json()["total_rows"] == 2
        await api.wait_done(http, job_id)
        again = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert again.status_code == 409
        job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        assert job["filename"] == "mine.csv" and job["status"] == "completed"


async def test_cancel_pause_resume_and_transitions(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    ids = "".join(f"slow-h{i}\n" for i in range(30)).encode()
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        job_id = (
            await http.post(
                "/api/v1/jobs",
                files={"file": ("s.csv", b"product_id\n" + ids, "text/csv")},
                data={"options": json.dumps({"window": 3})},
            )
        ).json()["job_id"]
        assert (await http.post(f"/api/v1/jobs/{job_id}/resume")).status_code == 409  # running, not paused
        async with asyncio.timeout(60):
            while (await http.get(f"/api/v1/jobs/{job_id}")).json()["status"] != "running":
                await asyncio.sleep(0.1)
        paused = await http.post(f"/api/v1/jobs/{job_id}/pause")
        assert paused.status_code == 202 and paused.json()["status"] == "paused"
        resumed = await http.post(f"/api/v1/jobs/{job_id}/resume")
        assert resumed.status_code == 202 and resumed.json()["status"] == "running"
        assert (await http.post(f"/api/v1/jobs/{job_id}/cancel")).status_code == 202
        final = await api.wait_done(http, job_id)
        assert final["status"] == "cancelled" and final["pending"] == final["running"] == 0
        again = await http.post(f"/api/v1/jobs/{job_id}/cancel")
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
        missing = await http.get("/api/v1/jobs/nope/progress")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"


@pytest.mark.parametrize(
    ("name", "expected"),
    [c for c in corpus_cases() if "error" in c[1]],
    ids=[n for n, e in corpus_cases() if "error" in e],
)
async def test_every_bad_corpus_file_gets_its_4xx(
    temporal_client: Client, state: StateManager, tmp_path: Path, name: str, expected: dict[str, Any]
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        response = await _upload(http, (CORPUS / name).read_bytes(), name)
    want = expected["error"]
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["code"] == want["code"]
    assert error["details"]["row"] == want.get("row") and error["details"]["column"] == want.get("column")
    assert error["message"]


async def test_auth_size_type_and_idempotency(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    async with serve(temporal_client, state, tmp_path, token="s3cret", max_upload_bytes=2048) as api:
        async with api.client(token="") as anonymous:
            denied = await anonymous.get("/api/v1/jobs")
            assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthorized"
            assert (await anonymous.get("/healthz")).status_code == 200  # ops endpoints stay open
        async with api.client(token="wrong") as wrong:
            assert (await wrong.get("/api/v1/jobs")).status_code == 401
        async with api.client() as http:
            big = await _upload(http, b"product_id\n" + b"x" * 4000)
            assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
            pdf = await http.post("/api/v1/jobs", files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")})
            assert pdf.status_code == 415
            text = await http.post("/api/v1/jobs", content=b"product_id\nx\n", headers={"content-type": "text/plain"})
            assert text.status_code == 415
            first = await _upload(http, b"product_id\npos-i1\n", headers={"Idempotency-Key": "upload-1"})
            again = await _upload(http, b"product_id\npos-i1\n", headers={"Idempotency-Key": "upload-1"})
            assert first.status_code == again.status_code == 201
            assert first.json()["job_id"] == again.json()["job_id"]
            assert again.headers.get("Idempotent-Replayed") == "true"
            listing = (await http.get("/api/v1/jobs")).json()["jobs"]
            assert len(listing) == 1


async def test_a_job_naming_an_unconfigured_adapter_is_refused(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        refused = await http.post(
            "/api/v1/jobs", json={"products": ["x1"], "options": {"source": "walmart", "scorer_chain": ["gemini"]}}
        )
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_options"
        problems = {d["field"]: d["message"] for d in refused.json()["error"]["details"]}
        assert "REVIEW_SOURCE" in problems["options.source"] and "SCORER" in problems["options.scorer_chain"]
        created = await http.post("/api/v1/jobs", json={"products": ["pos-x1"]})
        job = (await http.get(f"/api/v1/jobs/{created.json()['job_id']}")).json()
        recorded = {"source": "demo", "scorer_chain": ["vader"], "review_max_age": 86400}
        assert job["options"] == recorded, "service defaults are recorded"
