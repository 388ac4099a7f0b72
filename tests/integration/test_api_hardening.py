"""Hostile or odd requests get a clear 4xx, never a 500, and leave nothing behind."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import Client

from internal.adapters.uploads.local import LocalUploads
from internal.app.state import StateManager
from tests.integration.api_harness import serve


async def _chunked(data: bytes) -> AsyncIterator[bytes]:
    # An async generator body makes httpx send Transfer-Encoding: chunked, with no Content-Length.
    for start in range(0, len(data), 1024):
        yield data[start : start + 1024]


async def test_values_postgres_cannot_hold_get_our_message_not_a_500(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        for path in ("/api/v1/jobs/a%00b/progress", "/api/v1/jobs/a%00b", "/api/v1/jobs/" + "x" * 65):
            nul = await http.get(path)
            error = nul.json()["error"]
            assert nul.status_code == 404 and error["code"] == "job_not_found", nul.text
            assert error["message"].startswith("no such job: ") and "is not a job id (1 to 64" in error["message"]
            assert "UTF8" not in error["message"] and "byte sequence" not in error["message"]
        signed = await http.post("/api/v1/enrichment-signed-url", json={"filename": "a\u0000.csv"})
        assert signed.status_code == 422 and "filename: must not contain a NUL" in signed.json()["error"]["message"]
        old = base64.urlsafe_b64encode(json.dumps(["0001-01-01T00:00:00+01:00", "x"]).encode()).decode()
        cursor = await http.get("/api/v1/jobs", params={"cursor": old})
        assert cursor.status_code == 422 and cursor.json()["error"]["code"] == "invalid_cursor"


async def test_body_limits_hold_without_a_content_length(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path, max_upload_bytes=4096) as api, api.client() as http:
        big_json = json.dumps({"products": [f"p{i}" for i in range(2000)]}).encode()
        too_big = await http.post(
            "/api/v1/jobs", content=_chunked(big_json), headers={"content-type": "application/json"}
        )
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
        small = json.dumps({"products": ["pos-c1"]}).encode()
        ok = await http.post("/api/v1/jobs", content=_chunked(small), headers={"content-type": "application/json"})
        assert ok.status_code == 201, ok.text
        multipart = await http.post(
            "/api/v1/jobs",
            content=_chunked(b"--x\r\n"),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert multipart.status_code == 411 and multipart.json()["error"]["code"] == "length_required"


async def test_signed_upload_edge_cases(temporal_client: Client, state: StateManager, tmp_path: Path) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        signed = (await http.post("/api/v1/enrichment-signed-url", json={})).json()
        job_id = signed["job_id"]
        for token in ("²³.abc", "123.é", "", "."):
            odd = await http.put(f"/api/v1/uploads/{job_id}", params={"token": token}, content=b"product_id\nx\n")
            assert odd.status_code in (403, 422), (token, odd.text)
        put = await http.put(signed["upload_url"], content=b"product_id\npos-u1\n", headers=signed["headers"])
        assert put.status_code == 204
        uploads = api.services.uploads
        assert isinstance(uploads, LocalUploads)
        assert [p.name for p in uploads.root.iterdir()] == [f"{job_id}.csv"], "no partial file is left behind"
        # A job cancelled before it started cannot be filled and started afterwards.
        assert (await http.post(f"/api/v1/jobs/{job_id}/cancel")).status_code == 202
        late = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert late.status_code == 409 and late.json()["error"]["code"] == "invalid_transition"
        again = await http.put(signed["upload_url"], content=b"product_id\nx\n", headers=signed["headers"])
        assert again.status_code == 409
        progress = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
        assert progress["status"] == "cancelled" and progress["pending"] == 0
