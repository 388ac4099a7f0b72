"""The signed-URL upload flow of the old API: ask for a URL, PUT the CSV there, then start the job."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.requests import ClientDisconnect

from internal.api.deps import JobIdPath, services
from internal.api.disk import require_space
from internal.api.errors import ApiError
from internal.api.schemas import JobCreated, SignedUrl, SignedUrlRequest
from internal.api.submit import created_body, job_options, start_job
from internal.api.uploads import PARTIAL_SUFFIX, LocalUploads, partial_prefix
from internal.jobs.intake import ingest_upload
from internal.state.models import Job, NewJob

router = APIRouter(prefix="/api/v1", tags=["uploads"])
# The PUT is authorised by its signed token alone (like an S3 presigned URL), not by the API token.
public_router = APIRouter(prefix="/api/v1", tags=["uploads"])


@router.post("/enrichment-signed-url", response_model=SignedUrl, summary="Get a URL to PUT a CSV to")
async def signed_url(request: Request, body: SignedUrlRequest | None = None) -> SignedUrl:
    svc = services(request)
    require_space(svc.settings)
    body = body or SignedUrlRequest()
    job_id = uuid.uuid4().hex[:16]
    await svc.state.create_job(
        NewJob(job_id=job_id, filename=body.filename, options=job_options(svc.settings, body.options))
    )
    target = await svc.uploads.target(job_id, str(request.base_url).rstrip("/"))
    return SignedUrl(
        job_id=job_id,
        upload_url=target.url,
        method="PUT",
        headers=target.headers,
        expires_at=datetime.fromtimestamp(target.expires_at, UTC),
    )


@public_router.put("/uploads/{job_id}", status_code=204, summary="Upload the CSV to a signed URL")
async def put_upload(request: Request, job_id: JobIdPath, token: Annotated[str, Query(max_length=200)]) -> None:
    svc = services(request)
    if not isinstance(svc.uploads, LocalUploads):
        raise ApiError(404, "not_found", "uploads go to S3 on this server: use the upload_url you were given")
    problem = svc.uploads.signer.verify(job_id, token)
    if problem:
        raise ApiError(403, "invalid_upload_token", problem)
    _check_startable(await svc.state.get_job(job_id))
    require_space(svc.settings)
    limit = svc.settings.max_upload_bytes
    target = svc.uploads.path(job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A file of its own per request: two concurrent PUTs never interleave, and the last complete one wins.
    # The pid in the name tells the start-up sweep (internal/jobs/recovery.py) whose file a leftover is.
    fd, name = tempfile.mkstemp(prefix=partial_prefix(job_id), suffix=PARTIAL_SUFFIX, dir=target.parent)
    partial = Path(name)
    written = 0
    try:
        # Streamed to disk chunk by chunk: a 100 MB upload never sits in memory.
        with os.fdopen(fd, "wb") as fh:
            async for chunk in request.stream():
                written += len(chunk)
                if written > limit:
                    raise ApiError(413, "too_large", f"the upload is larger than the limit of {limit:,} bytes")
                fh.write(chunk)
        os.replace(partial, target)
    except ClientDisconnect:
        raise ApiError(400, "upload_incomplete", "the client went away before the upload finished") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def _check_startable(job: Job) -> None:
    if job.intake_complete:
        raise ApiError(409, "already_started", f"job {job.job_id!r} has already been started; ask for a new URL")
    if job.status != "created":
        raise ApiError(409, "invalid_transition", f"job {job.job_id!r} is {job.status}; ask for a new URL")


@router.post(
    "/jobs/{job_id}/start",
    status_code=201,
    response_model=JobCreated,
    summary="Start a job: one uploaded to its signed URL, or one stored while the orchestrator was down (503)",
)
async def start(request: Request, job_id: JobIdPath) -> JobCreated:
    svc = services(request)
    job = await svc.state.get_job(job_id)
    if job.intake_complete and job.status == "created":
        # Its rows are stored; only the start failed (Temporal was unreachable). Starting twice starts one workflow.
        progress = await svc.state.get_progress(job_id)
        return created_body(job, progress, await start_job(svc, job, progress))
    _check_startable(job)
    require_space(svc.settings)
    size = await svc.uploads.size(job_id)
    if size is None:
        raise ApiError(409, "no_upload", f"nothing has been uploaded for job {job_id!r}; PUT the CSV to its URL first")
    limit = svc.settings.max_upload_bytes
    if size > limit:
        # An S3 presigned PUT carries no size cap of its own: refuse before downloading, not after.
        raise ApiError(413, "too_large", f"the upload is {size:,} bytes, larger than the limit of {limit:,} bytes")
    async with svc.uploads.open(job_id) as path:
        with path.open("rb") as fh:
            outcome = await ingest_upload(svc.state, fh, job_id, filename=job.filename, limits=svc.intake_limits)
    svc.metrics.jobs_created.inc()
    svc.metrics.rows_accepted.inc(outcome.progress.total)
    return created_body(
        outcome.job, outcome.progress, await start_job(svc, outcome.job, outcome.progress), outcome.invalid_sample
    )
