"""The signed-URL upload flow of the old API: ask for a URL, PUT the CSV there, then start the job."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.requests import ClientDisconnect

from internal.adapters.uploads.local import PARTIAL_SUFFIX, LocalUploads, UploadStore, partial_prefix
from internal.domain.errors import ServiceError
from internal.http.disk import require_space
from internal.http.lookup import provided
from internal.http.schemas import JobCreated, JobIdPath, SignedUrl, SignedUrlRequest
from internal.jobs.service import JobService
from internal.jobs.views import created_body

router = APIRouter(prefix="/api/v1", tags=["uploads"])
# The PUT is authorised by its signed token alone (like an S3 presigned URL), not by the API token.
public_router = APIRouter(prefix="/api/v1", tags=["uploads"])


def _uploads(jobs: JobService) -> UploadStore:
    if jobs.uploads is None:  # the API always has an upload store; only cmd/enrich_file.py's service has none
        raise ServiceError("this server takes no signed uploads", status=404, code="not_found")
    return jobs.uploads


@router.post("/enrichment-signed-url", response_model=SignedUrl, summary="Get a URL to PUT a CSV to")
async def signed_url(request: Request, body: SignedUrlRequest | None = None) -> SignedUrl:
    jobs = provided(request, JobService)
    require_space(jobs.settings)
    body = body or SignedUrlRequest()
    job = await jobs.create_for_upload(filename=body.filename, options=body.options.as_dict())
    target = await _uploads(jobs).target(job.job_id, str(request.base_url).rstrip("/"))
    return SignedUrl(
        job_id=job.job_id,
        upload_url=target.url,
        method="PUT",
        headers=target.headers,
        expires_at=datetime.fromtimestamp(target.expires_at, UTC),
    )


@public_router.put("/uploads/{job_id}", status_code=204, summary="Upload the CSV to a signed URL")
async def put_upload(request: Request, job_id: JobIdPath, token: Annotated[str, Query(max_length=200)]) -> None:
    jobs = provided(request, JobService)
    uploads = _uploads(jobs)
    if not isinstance(uploads, LocalUploads):
        raise ServiceError(
            "uploads go to S3 on this server: use the upload_url you were given", status=404, code="not_found"
        )
    problem = uploads.signer.verify(job_id, token)
    if problem:
        raise ServiceError(problem, status=403, code="invalid_upload_token")
    await jobs.check_uploadable(job_id)
    require_space(jobs.settings)
    limit = jobs.settings.max_upload_bytes
    target = uploads.path(job_id)
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
                    raise ServiceError(
                        f"the upload is larger than the limit of {limit:,} bytes", status=413, code="too_large"
                    )
                fh.write(chunk)
        os.replace(partial, target)
    except ClientDisconnect:
        raise ServiceError(
            "the client went away before the upload finished", status=400, code="upload_incomplete"
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


@router.post(
    "/jobs/{job_id}/start",
    status_code=201,
    response_model=JobCreated,
    summary="Start a job: one uploaded to its signed URL, or one stored while the orchestrator was down (503)",
)
async def start(request: Request, job_id: JobIdPath) -> JobCreated:
    return created_body(await provided(request, JobService).start(job_id))
