"""The API when something around it fails: Temporal down at submit, PostgreSQL down, a full disk, a client that
leaves or stalls mid-body. Real servers throughout; the faults are real too (a cut TCP proxy, a stopped PostgreSQL,
a tiny tmpfs, a raw socket)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import Client

from internal.adapters.uploads.local import LocalUploads
from internal.app.state import StateManager
from internal.platform.migrate import apply_migrations
from internal.platform.stack.postgres import EmbeddedPostgres
from internal.platform.stack.proc import free_port
from internal.platform.stack.temporal_server import TemporalDevServer
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.api_harness import Api, serve

MiB = 1024 * 1024


async def test_a_job_submitted_while_temporal_is_down_can_be_started_once_it_is_back(
    temporal_client: Client, temporal_server: TemporalDevServer, state: StateManager, tmp_path: Path
) -> None:
    host, port = temporal_server.address.rsplit(":", 1)
    proxy = TcpProxy(host, int(port), free_port())
    await proxy.up()
    api_temporal = await Client.connect(proxy.address)
    async with (
        serve(temporal_client, state, tmp_path, api_temporal=api_temporal) as api,
        api.client() as http,
    ):
        await proxy.down()
        refused = await http.post("/api/v1/jobs", json={"products": ["pos-t1", "neg-t2"]})
        assert refused.status_code == 503, refused.text
        error = refused.json()["error"]
        job_id = error["details"]["job_id"]
        assert error["code"] == "orchestrator_unavailable" and error["details"]["created"] is True
        assert f"job {job_id} was created" in error["message"]
        assert f"POST /api/v1/jobs/{job_id}/start" in error["message"]
        keyed = await http.post("/api/v1/jobs", json={"products": ["pos-t3"]}, headers={"Idempotency-Key": "down-1"})
        assert keyed.status_code == 503
        keyed_id = keyed.json()["error"]["details"]["job_id"]

        job = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        assert job["status"] == "created" and job["progress"]["pending"] == 2, "left startable, rows kept"
        assert (await http.get("/healthz")).json()["temporal"].startswith("unreachable")

        await proxy.up()
        started = await http.post(f"/api/v1/jobs/{job_id}/start")
        assert started.status_code == 201, started.text
        assert started.json()["workflow_id"] == f"job-{job_id}" and started.json()["status"] == "running"
        replay = await http.post("/api/v1/jobs", json={"products": ["pos-t3"]}, headers={"Idempotency-Key": "down-1"})
        assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json()["job_id"] == keyed_id and replay.json()["workflow_id"] == f"job-{keyed_id}"
        for done, rows in ((await api.wait_done(http, job_id), 2), (await api.wait_done(http, keyed_id), 1)):
            assert done["status"] == "completed" and done["succeeded"] == rows
        events = await state.events.list_events(job_id)
        assert [e.kind for e in events].count("job.start_failed") == 1
    await proxy.down()


async def test_reads_and_writes_while_postgres_is_down_are_a_503(temporal_client: Client, tmp_path: Path) -> None:
    # A PostgreSQL of this test's own: stopping the session's would take every other test down with it.
    pg = EmbeddedPostgres(tmp_path / "pg", database="down")
    uri = await pg.start()
    try:
        await apply_migrations(uri)
        state = await StateManager.connect(uri, max_size=2)
        async with serve(temporal_client, state, tmp_path / "api") as api, api.client() as http:
            created = await http.post("/api/v1/jobs", json={"products": ["pos-p1"]})
            job_id = created.json()["job_id"]
            await api.wait_done(http, job_id)
            pg.stop()
            for method, path in (
                ("GET", f"/api/v1/jobs/{job_id}/progress"),
                ("GET", f"/api/v1/jobs/{job_id}"),
                ("GET", f"/api/v1/jobs/{job_id}/results"),
                ("GET", "/api/v1/jobs"),
                ("POST", f"/api/v1/jobs/{job_id}/cancel"),
                ("POST", "/api/v1/enrichment-signed-url"),
            ):
                down = await http.request(method, path, json={} if method == "POST" else None)
                assert down.status_code == 503, (path, down.text)
                assert down.json()["error"]["code"] == "database_unavailable"
                assert "retry" in down.json()["error"]["message"]
            new = await http.post("/api/v1/jobs", json={"products": ["pos-p2"]})
            assert new.status_code == 503 and new.json()["error"]["code"] == "database_unavailable"
            health = await http.get("/healthz")
            assert health.status_code == 503 and health.json()["postgres"].startswith("unreachable")
        await state.close()
    finally:
        pg.stop()


@contextlib.contextmanager
def tiny_disk(path: Path, size: int) -> Iterator[Path]:
    """A tmpfs of `size` bytes at `path`: a disk that really fills up (ENOSPC from the kernel)."""
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path, leave: int) -> None:
    """Take all but `leave` bytes of the disk under `path`."""
    free = shutil.disk_usage(path).free
    with (path / "filler").open("ab") as fh:
        fh.write(b"\0" * max(0, free - leave))


async def test_a_full_disk_is_a_507_and_healthz_says_so(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    with tiny_disk(tmp_path / "data", 4 * MiB) as data_dir:
        async with (
            serve(
                temporal_client,
                state,
                data_dir,
                max_upload_bytes=16 * MiB,
                settings_overrides={"min_free_disk_mb": 1},
            ) as api,
            api.client() as http,
        ):
            assert (await http.get("/healthz")).json()["disk"] == "ok"
            signed = (await http.post("/api/v1/enrichment-signed-url", json={})).json()
            # More than the disk holds, less than the upload limit: the write itself hits ENOSPC.
            body = b"product_id\n" + b"".join(b"pos-%07d\n" % i for i in range(600_000))
            full = await http.put(signed["upload_url"], content=body, headers=signed["headers"])
            assert full.status_code == 507, full.text
            assert full.json()["error"]["code"] == "insufficient_storage" and "disk is full" in full.text
            uploads = api.services.uploads
            assert isinstance(uploads, LocalUploads)
            assert list(uploads.root.iterdir()) == [], "the partial upload is removed"

            fill(data_dir, leave=MiB // 2)
            health = await http.get("/healthz")
            assert health.status_code == 503 and health.json()["status"] == "degraded"
            assert "free under DATA_DIR" in health.json()["disk"] and "MIN_FREE_DISK_MB=1" in health.json()["disk"]
            for refused in (
                await http.post("/api/v1/jobs", json={"products": ["pos-f1"]}),
                await http.post("/api/v1/jobs", files={"file": ("p.csv", b"product_id\npos-f2\n", "text/csv")}),
                await http.post("/api/v1/enrichment-signed-url", json={}),
            ):
                assert refused.status_code == 507, refused.text
                assert refused.json()["error"]["code"] == "insufficient_storage"
                assert "no room for a new job" in refused.json()["error"]["message"]
            assert (await http.get("/api/v1/jobs")).json()["jobs"][0]["job_id"] == signed["job_id"], "no job made"


async def _raw(api: Api, head: str, body: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = api.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()
    return reader, writer


def _head(method: str, path: str, content_type: str, length: int) -> str:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n"
    )


MULTIPART = "multipart/form-data; boundary=b"
PART = (
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\nproduct_id\n"
)


async def test_a_client_that_leaves_mid_upload_is_a_warning_not_a_500(
    temporal_client: Client, state: StateManager, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with serve(temporal_client, state, tmp_path) as api:
        for content_type, body in ((MULTIPART, PART), ("application/json", b'{"products": ["a"')):
            _, writer = await _raw(api, _head("POST", "/api/v1/jobs", content_type, 100_000), body)
            await asyncio.sleep(0.2)
            writer.close()
        async with asyncio.timeout(10):
            while sum("client disconnected" in r.getMessage() for r in caplog.records) < 2:
                await asyncio.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    warnings = [r for r in caplog.records if "client disconnected" in r.getMessage()]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in warnings), "one line, no traceback"


async def test_a_body_shorter_than_its_content_length_gets_a_408(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with (
        serve(temporal_client, state, tmp_path, settings_overrides={"body_read_timeout_seconds": 1}) as api,
        api.client() as http,
    ):
        signed = (await http.post("/api/v1/enrichment-signed-url", json={})).json()
        put_path = signed["upload_url"].removeprefix(api.url)
        for head, body in (
            (_head("POST", "/api/v1/jobs", MULTIPART, 5000), PART),
            (_head("POST", "/api/v1/jobs", "application/json", 5000), b'{"products": ['),
            (_head("POST", "/api/v1/enrichment-signed-url", "application/json", 5000), b'{"filename": '),
            (_head("PUT", put_path, "text/csv", 5000), b"product_id\npos-1\n"),
        ):
            reader, writer = await _raw(api, head, body)
            try:
                async with asyncio.timeout(10):  # before: no answer ever
                    answer = await reader.read(4096)
            finally:
                writer.close()  # else the server's shutdown would wait on this connection for ever
            assert answer.startswith(b"HTTP/1.1 408"), (head, answer)
            assert b'"request_timeout"' in answer and b"Content-Length" in answer
        uploads = api.services.uploads
        assert isinstance(uploads, LocalUploads)
        assert list(uploads.root.iterdir()) == [], "the stalled upload's partial file is removed"
