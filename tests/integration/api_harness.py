"""The HTTP API served by uvicorn on a free loopback port, over the real Temporal server and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr
from temporalio.client import Client

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import Scorer
from internal.adapters.sources.base import ReviewSource
from internal.adapters.uploads.local import LocalUploads, UploadSigner, UploadStore
from internal.app.state import StateManager
from internal.app.wiring import build_adapters
from internal.http.app import create_app
from internal.http.deps import Metrics, Services
from internal.http.serve import _Server
from internal.intake import IntakeLimits
from internal.jobs.enricher import TemporalEnricher
from internal.platform.alert_settings import AlertSettings
from internal.platform.config import Settings
from internal.platform.ingest_settings import IngestSettings
from internal.platform.stack.proc import free_port
from tests.integration.harness import running_worker

# What `make demo` runs: 50 rows of the demo source, one of each kind of row.
EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "examples" / "products.csv"


@dataclass
class Api:
    url: str
    services: Services
    token: str | None

    def client(self, *, token: str | None = None) -> httpx.AsyncClient:
        auth = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=60)

    async def wait_done(self, http: httpx.AsyncClient, job_id: str, timeout: float = 120) -> dict[str, object]:
        async with asyncio.timeout(timeout):
            while True:
                body: dict[str, object] = (await http.get(f"/api/v1/jobs/{job_id}/progress")).json()
                if body["status"] in ("completed", "failed", "cancelled"):
                    return body
                await asyncio.sleep(0.2)

    async def run_example(self, http: httpx.AsyncClient) -> str:
        """Upload `examples/products.csv` (what `make demo` runs), wait for it to complete; its job id."""
        upload = {"file": ("products.csv", EXAMPLE_CSV.read_bytes(), "text/csv")}
        job_id: str = (await http.post("/api/v1/jobs", files=upload)).json()["job_id"]
        assert (await self.wait_done(http, job_id))["status"] == "completed"
        return job_id


@contextlib.asynccontextmanager
async def serve(
    temporal_client: Client,
    state: StateManager,
    data_dir: Path,
    *,
    token: str | None = None,
    max_upload_bytes: int = 5 * 1024 * 1024,
    uploads: UploadStore | None = None,
    settings_overrides: dict[str, Any] | None = None,
    sources: Mapping[str, ReviewSource] | None = None,
    scorers: Mapping[str, Scorer] | None = None,
    api_temporal: Client | None = None,
    ingest: IngestSettings | None = None,
    alert_settings: AlertSettings | None = None,
    aspects: AspectProvider | None = None,
) -> AsyncIterator[Api]:
    """`api_temporal`: the API's own Temporal client (say, through a proxy a test cuts); the worker keeps
    `temporal_client`."""
    queue = f"api-{uuid.uuid4().hex[:6]}"
    port = free_port()
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        api_port=port,
        api_token=SecretStr(token) if token else None,
        temporal_task_queue=queue,
        max_upload_bytes=max_upload_bytes,
        # The figures these tests expect were measured on VADER, and their worker has VADER only unless a test
        # brings its scorers; the service's default chain is tested on its own (test_default_chain.py).
        **{"scorer": "vader", **(settings_overrides or {})},
    )
    svc = Services(
        settings=settings,
        state=state,
        enricher=TemporalEnricher(state, api_temporal or temporal_client, queue),
        # An hour, not a minute: the bad-request corpus signs its tokens once per module, and on a loaded machine its
        # upload cases ran more than a minute later and got 403 (expired) instead of the answer they test.
        uploads=uploads or LocalUploads(data_dir / "uploads", UploadSigner(b"k" * 32, ttl_seconds=3600)),
        metrics=Metrics(),
        intake_limits=IntakeLimits(max_bytes=max_upload_bytes),
        temporal=api_temporal or temporal_client,
        ingest_settings=ingest or IngestSettings(_env_file=None),
        sources=sources or {},
    )
    server = _Server(uvicorn.Config(create_app(svc), host="127.0.0.1", port=port, log_level="warning"))
    async with running_worker(
        temporal_client,
        state,
        task_queue=queue,
        sources=sources,
        scorers=scorers,
        alert_settings=alert_settings,
        aspects=aspects,
    ):
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        try:
            yield Api(url=f"http://127.0.0.1:{port}", services=svc, token=token)
        finally:
            server.should_exit = True
            await task


@contextlib.asynccontextmanager
async def api_on(
    temporal_client: Client,
    state: StateManager,
    tmp_path: Path,
    overrides: dict[str, Any],
    alert_settings: AlertSettings | None = None,
) -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    """The API and a worker on the real adapters that `overrides` configure, wired as the worker wires them."""
    adapters = build_adapters(Settings(_env_file=None, **overrides))
    try:
        async with (
            serve(
                temporal_client,
                state,
                tmp_path,
                settings_overrides=overrides,
                sources=adapters.sources,
                scorers=adapters.scorers,
                alert_settings=alert_settings,
                aspects=adapters.aspects,
            ) as api,
            api.client() as http,
        ):
            yield api, http
    finally:
        await adapters.aclose()
