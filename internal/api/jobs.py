"""/api/v1 job routes: list, detail, progress, results, cancel/pause/resume (creating one is in submit.py)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from internal.api.deps import JobIdPath, services
from internal.api.errors import ApiError
from internal.api.export import csv_stream
from internal.api.schemas import JOB_ID_PATTERN, ActionResult, JobList, JobOut, ProgressOut, ResultPage, ResultRow
from internal.enricher.base import ProgressView
from internal.state.models import TERMINAL_JOB_STATUSES, Job, JobStatus

router = APIRouter(prefix="/api/v1", tags=["jobs"])


def progress_out(p: ProgressView) -> ProgressOut:
    return ProgressOut(
        job_id=p.job_id,
        status=p.status,
        total=p.total,
        done=p.done,
        percent=p.percent,
        eta_seconds=p.eta_seconds,
        rows_per_second=p.rows_per_second,
        **p.counts,
    )


def job_out(job: Job, progress: ProgressView | None = None) -> JobOut:
    return JobOut(
        job_id=job.job_id,
        status=job.status,
        filename=job.filename,
        options=job.options,
        total_rows=job.total_rows,
        workflow_id=job.workflow_id,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        progress=progress_out(progress) if progress else None,
    )


def _encode_cursor(job: Job) -> str:
    return base64.urlsafe_b64encode(json.dumps([job.created_at.isoformat(), job.job_id]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, job_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(job_id, str) or not re.match(JOB_ID_PATTERN, job_id):
            raise ValueError("not a job id")
        # Normalised here so a date PostgreSQL cannot hold fails as a bad cursor, not deep in the driver.
        return datetime.fromisoformat(created).astimezone(UTC), job_id
    except (ValueError, TypeError, OverflowError) as err:
        raise ApiError(422, "invalid_cursor", "cursor is not one this API handed out") from err


@router.get("/jobs", response_model=JobList, summary="List jobs, newest first")
async def list_jobs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[JobStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JobList:
    svc = services(request)
    before = _decode_cursor(cursor) if cursor else None
    jobs = await svc.state.list_jobs(limit=limit, status=status, before=before)
    return JobList(
        jobs=[job_out(j) for j in jobs], next_cursor=_encode_cursor(jobs[-1]) if len(jobs) == limit else None
    )


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One job with its progress")
async def get_job(request: Request, job_id: JobIdPath) -> JobOut:
    svc = services(request)
    progress = await svc.enricher.get_progress(job_id)
    return job_out(await svc.state.get_job(job_id), progress)


@router.get("/jobs/{job_id}/progress", response_model=ProgressOut, summary="Row counts per status, percent, ETA")
async def get_progress(request: Request, job_id: JobIdPath) -> ProgressOut:
    return progress_out(await services(request).enricher.get_progress(job_id))


@router.get(
    "/jobs/{job_id}/results",
    response_model=ResultPage,
    summary="Results in row order (keyset pages), or the whole job as CSV with ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_results(
    request: Request,
    job_id: JobIdPath,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="last row number of the previous page")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    svc = services(request)
    job = await svc.state.get_job(job_id)  # 404 for an unknown job; read once for both formats
    if format == "csv":
        return StreamingResponse(
            csv_stream(svc.state, job),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="results-{job_id}.csv"'},
        )
    rows = await svc.state.get_results(job_id, after_row=after, limit=limit)
    header = job.header or ["product_id"]
    return ResultPage(
        job_id=job_id,
        results=[
            ResultRow(
                row=r.row_num,
                product_id=r.product_id,
                status=r.status,
                reason=r.reason,
                attempts=r.attempt,
                duplicate_of=r.duplicate_of,
                input=dict(zip(header, r.cells, strict=False)),
                result=r.result,
            )
            for r in rows
        ],
        next_after=rows[-1].row_num if len(rows) == limit else None,
    )


# What a pause or resume that was accepted leads to. The workflow records the same status when it handles the
# signal, and a write for the signal before (a pause just before this resume) can land a moment after ours:
# reading the job back could answer with that stale status, so the answer is the transition's own result.
_ACCEPTED_STATUS = {"pause": "paused", "resume": "running"}


async def _action(request: Request, job_id: str, action: str) -> ActionResult:
    svc = services(request)
    await getattr(svc.enricher, action)(job_id)
    status = _ACCEPTED_STATUS.get(action)
    if status is None:
        # A cancel: an unstarted job is cancelled at once; a started one is `cancelling` until its workflow has
        # closed its rows, whatever status (paused, running) it still shows this instant.
        current = (await svc.state.get_job(job_id)).status
        status = current if current in TERMINAL_JOB_STATUSES else "cancelling"
    return ActionResult(job_id=job_id, status=status)


@router.post("/jobs/{job_id}/cancel", status_code=202, response_model=ActionResult, summary="Cancel a job")
async def cancel(request: Request, job_id: JobIdPath) -> ActionResult:
    return await _action(request, job_id, "cancel")


@router.post("/jobs/{job_id}/pause", status_code=202, response_model=ActionResult, summary="Pause a running job")
async def pause(request: Request, job_id: JobIdPath) -> ActionResult:
    return await _action(request, job_id, "pause")


@router.post("/jobs/{job_id}/resume", status_code=202, response_model=ActionResult, summary="Resume a paused job")
async def resume(request: Request, job_id: JobIdPath) -> ActionResult:
    return await _action(request, job_id, "resume")
