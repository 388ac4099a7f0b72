"""UPLOAD_STORAGE=s3: the signed-URL flow against moto's real S3 server on loopback, found via AWS_ENDPOINT_URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from temporalio.client import Client

from internal.adapters.uploads.s3 import S3Uploads
from internal.app.state import StateManager
from internal.platform.stack.proc import free_port
from tests.integration.api_harness import serve

BUCKET = "review-uploads"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # The standard AWS variables, as a deployment would set them: our code passes no endpoint or keys itself.
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


async def test_presigned_put_to_s3_then_start(
    s3_endpoint: str, temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    store = S3Uploads(BUCKET, tmp_path / "staging")
    async with serve(temporal_client, state, tmp_path, uploads=store) as api, api.client() as http:
        signed = (await http.post("/api/v1/enrichment-signed-url", json={"filename": "s3.csv"})).json()
        job_id, url = signed["job_id"], signed["upload_url"]
        assert url.startswith(s3_endpoint) and "Signature" in url
        early = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert early.status_code == 409 and early.json()["error"]["code"] == "no_upload"
        # The API's own upload endpoint is not the way in when uploads go to S3.
        local = await http.put(f"/api/v1/uploads/{job_id}", params={"token": "x"}, content=b"product_id\nx\n")
        assert local.status_code == 404
        async with httpx.AsyncClient() as s3:
            wrong_type = await s3.put(url, content=b"product_id\nx\n", headers={"Content-Type": "text/plain"})
            assert wrong_type.status_code == 403, "the signature covers the content type"
            put = await s3.put(url, content=b"product_id,name\npos-s3a,One\nneg-s3b,Two\n", headers=signed["headers"])
            assert put.status_code == 200, put.text
        started = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert started.status_code == 201, started.text
        assert started.json()["total_rows"] == 2
        final = await api.wait_done(http, job_id)
        assert final["status"] == "completed" and final["succeeded"] == 2
    assert not list((tmp_path / "staging").iterdir()), "the downloaded copy is removed after the intake"


async def test_an_oversized_s3_upload_is_refused_before_download(
    s3_endpoint: str, temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    store = S3Uploads(BUCKET, tmp_path / "staging")
    async with (
        serve(temporal_client, state, tmp_path, uploads=store, max_upload_bytes=2048) as api,
        api.client() as http,
        httpx.AsyncClient() as s3,
    ):
        signed = (await http.post("/api/v1/enrichment-signed-url", json={})).json()
        big = b"product_id\n" + b"".join(b"pos-%05d\n" % i for i in range(1000))
        put = await s3.put(signed["upload_url"], content=big, headers=signed["headers"])
        assert put.status_code == 200  # S3 itself caps nothing
        refused = await http.post(f"/api/v1/jobs/{signed['job_id']}/start")
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "too_large"
    assert not (tmp_path / "staging").exists() or not list((tmp_path / "staging").iterdir())
