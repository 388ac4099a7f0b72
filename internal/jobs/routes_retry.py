"""/api/v1/jobs/{job_id}/retry-failed and /retry: run again the rows of a finished job that did not finish (its
failed rows; or its failed and cancelled rows), internal/jobs/retry.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from internal.http.lookup import provided
from internal.http.schemas import JobIdPath
from internal.jobs.retry import Retried
from internal.jobs.service import JobService

router = APIRouter(prefix="/api/v1", tags=["jobs"])


class RetryResult(BaseModel):
    job_id: str
    status: str
    rows: int  # rows sent back to pending
    workflow_id: str


def _answer(retried: Retried) -> RetryResult:
    return RetryResult(job_id=retried.job_id, status=retried.status, rows=retried.rows, workflow_id=retried.workflow_id)


@router.post(
    "/jobs/{job_id}/retry-failed",
    status_code=202,
    response_model=RetryResult,
    summary="Run the failed rows of a finished job again (409 while it runs or when none failed)",
)
async def retry_failed(request: Request, job_id: JobIdPath) -> RetryResult:
    return _answer(await provided(request, JobService).retry_failed(job_id))


@router.post(
    "/jobs/{job_id}/retry",
    status_code=202,
    response_model=RetryResult,
    summary="Run the failed and cancelled rows of a finished job again (409 while it runs or when there are none)",
)
async def retry(request: Request, job_id: JobIdPath) -> RetryResult:
    return _answer(await provided(request, JobService).retry_unfinished(job_id))
