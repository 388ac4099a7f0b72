"""/api/v1/jobs/{job_id}/retry-failed: run the failed rows of a finished job again (internal/service/retry.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from internal.api.deps import JobIdPath, services

router = APIRouter(prefix="/api/v1", tags=["jobs"])


class RetryResult(BaseModel):
    job_id: str
    status: str
    rows: int  # failed rows sent back to pending
    workflow_id: str


@router.post(
    "/jobs/{job_id}/retry-failed",
    status_code=202,
    response_model=RetryResult,
    summary="Run the failed rows of a finished job again (409 while it runs or when none failed)",
)
async def retry_failed(request: Request, job_id: JobIdPath) -> RetryResult:
    retried = await services(request).jobs.retry_failed(job_id)
    return RetryResult(job_id=retried.job_id, status=retried.status, rows=retried.rows, workflow_id=retried.workflow_id)
