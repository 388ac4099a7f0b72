"""/api/v1 job routes: list, detail, progress, results, cancel/pause/resume (creating one is in submit.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from internal.domain.lifecycle import JobStatus
from internal.http.lookup import provided
from internal.http.schemas import ActionResult, JobIdPath, JobList, JobOut, ProgressOut, ResultPage
from internal.jobs.facade import Enricher, ProgressView
from internal.jobs.service import JobService
from internal.jobs.views import decode_cursor, encode_cursor, job_out, result_page

router = APIRouter(prefix="/api/v1", tags=["jobs"])


def _enricher(request: Request) -> Enricher:
    # The facade is abstract; the app provides its one implementation (internal/http/app.py).
    return provided(request, Enricher)  # type: ignore[type-abstract]


@router.get("/jobs", response_model=JobList, summary="List jobs, newest first")
async def list_jobs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[JobStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JobList:
    before = decode_cursor(cursor) if cursor else None
    jobs = await provided(request, JobService).list_jobs(limit=limit, status=status, before=before)
    return JobList(jobs=[job_out(j) for j in jobs], next_cursor=encode_cursor(jobs[-1]) if len(jobs) == limit else None)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="One job with its progress")
async def get_job(request: Request, job_id: JobIdPath) -> JobOut:
    progress = await _enricher(request).get_progress(job_id)  # 404 for an unknown job
    return job_out(await provided(request, JobService).get(job_id), progress)


# Progress and the job actions go straight to the facade, the one entry that runs jobs (internal/jobs/facade.py):
# the walk is this route, the facade, and the job store's SQL (docs/architecture.md, "Three walks").
@router.get("/jobs/{job_id}/progress", response_model=ProgressOut, summary="Row counts per status, percent, ETA")
async def get_progress(request: Request, job_id: JobIdPath) -> ProgressView:
    return await _enricher(request).get_progress(job_id)


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
    jobs = provided(request, JobService)
    job = await jobs.get(job_id)  # 404 for an unknown job; read once for both formats
    if format == "csv":
        return StreamingResponse(
            jobs.export_csv(job),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="results-{job_id}.csv"'},
        )
    return result_page(job, await jobs.results(job_id, after=after, limit=limit), limit)


@router.post("/jobs/{job_id}/cancel", status_code=202, response_model=ActionResult, summary="Cancel a job")
async def cancel(request: Request, job_id: JobIdPath) -> ActionResult:
    return ActionResult(job_id=job_id, status=await _enricher(request).cancel(job_id))


@router.post("/jobs/{job_id}/pause", status_code=202, response_model=ActionResult, summary="Pause a running job")
async def pause(request: Request, job_id: JobIdPath) -> ActionResult:
    return ActionResult(job_id=job_id, status=await _enricher(request).pause(job_id))


@router.post("/jobs/{job_id}/resume", status_code=202, response_model=ActionResult, summary="Resume a paused job")
async def resume(request: Request, job_id: JobIdPath) -> ActionResult:
    return ActionResult(job_id=job_id, status=await _enricher(request).resume(job_id))
