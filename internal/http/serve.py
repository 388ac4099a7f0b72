"""Building and serving the API: shared by `make run` (in-process with the stack) and cmd/server.py."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator, Iterator

import uvicorn

from internal.adapters.sources.base import ReviewSource
from internal.adapters.uploads.local import LocalUploads, UploadSigner, UploadStore, load_or_create_key
from internal.adapters.uploads.s3 import S3Uploads
from internal.app.wiring import Adapters, build_sources, open_enricher
from internal.http.app import create_app
from internal.http.deps import Metrics, Services
from internal.intake import IntakeLimits
from internal.jobs.recovery import recover_intakes
from internal.platform.config import Settings, SettingsError
from internal.platform.ingest_settings import IngestSettings
from internal.platform.stack.proc import PortInUse, port_open

log = logging.getLogger(__name__)


def check_api_settings(settings: Settings) -> None:
    """Checked before anything starts. Refuse to serve beyond this machine without a token (the API starts
    jobs that spend API quota), and say so plainly when the port is taken."""
    host = settings.api_host
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and settings.api_token is None:
        raise SettingsError(
            f"API_HOST={host} is reachable from other machines: set API_TOKEN too, or use API_HOST=127.0.0.1"
        )
    if port_open("127.0.0.1" if loopback or host == "0.0.0.0" else host, settings.api_port):
        raise PortInUse("API_PORT", settings.api_port)


@contextlib.asynccontextmanager
async def api_services(settings: Settings, dsn: str) -> AsyncIterator[Services]:
    """What the routes need, released on exit (the enricher facade and the StateManager under it)."""
    async with open_enricher(settings, dsn) as (enricher, state), pull_sources(settings) as sources:
        yield Services(
            settings=settings,
            state=state,
            enricher=enricher,
            uploads=upload_store(settings),
            metrics=Metrics(),
            intake_limits=IntakeLimits(max_bytes=settings.max_upload_bytes),
            temporal=enricher.client,
            ingest_settings=IngestSettings(),
            sources=sources,
        )


@contextlib.asynccontextmanager
async def pull_sources(settings: Settings) -> AsyncIterator[dict[str, ReviewSource]]:
    """The configured review sources, for a dead letter's replay to map its stored item again."""
    sources = build_sources(settings)
    try:
        yield sources
    finally:
        await Adapters(sources, {}).aclose()


def upload_store(settings: Settings) -> UploadStore:
    if settings.upload_storage == "s3" and settings.s3_bucket:
        return S3Uploads(settings.s3_bucket, settings.data_dir / "uploads")
    return LocalUploads(settings.data_dir / "uploads", UploadSigner(load_or_create_key(settings.data_dir)))


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process's own handlers stop everything in order; uvicorn must not take SIGINT/SIGTERM over.
        yield


async def recover(svc: Services) -> None:
    """Finish or clean up what a crashed API left half done, before the first request is served."""
    for job in await recover_intakes(svc.state, svc.uploads):
        log.warning("job %s: intake cut off by a crash; %d rows removed, %s", job.job_id, job.rows_removed, job.action)
    if isinstance(svc.uploads, LocalUploads):
        for path in svc.uploads.sweep():
            log.warning("removed partial upload %s left by a stopped API", path.name)


async def serve_api(settings: Settings, dsn: str, stop: asyncio.Event) -> None:
    async with api_services(settings, dsn) as svc:
        await recover(svc)
        server = _Server(
            uvicorn.Config(create_app(svc), host=settings.api_host, port=settings.api_port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        try:
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if task.done() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
            if task.done() and not server.started:
                raise RuntimeError(f"the API could not listen on {settings.api_host}:{settings.api_port}")
        finally:
            server.should_exit = True
            await asyncio.gather(task, return_exceptions=True)
