"""/api/v1 job routes: create (CSV upload or JSON), list, detail, progress, results, cancel/pause/resume."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from internal.api.deps import Services, services
from internal.api.errors import ApiError
from internal.api.export import csv_stream
from internal.api.schemas import (
    ActionResult,
    CreateJobJson,
    InvalidRow,
    JobCreated,
    JobList,
    JobOptions,
    JobOut,
    ProductIn,
    ProgressOut,
    ResultPage,
    ResultRow,
)
from internal.config import Settings
from internal.enricher.base import EnrichmentUnavailable, ProgressView
from internal.jobs.intake import IntakeOutcome, create_job_from_csv
from internal.state.models import Job, JobStatus

router = APIRouter(prefix="/api/v1", tags=["jobs"])

# Browsers and curl label CSVs in many ways; what we refuse are types that are clearly something else.
_CSV_TYPES = ("text/", "application/csv", "application/vnd.ms-excel", "application/octet-stream", "")

_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the CSV"},
                        "options": {"type": "string", "description": "JobOptions as a JSON string"},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/CreateJobJson"}},
        },
    }
}


def job_options(settings: Settings, options: JobOptions) -> dict[str, Any]:
    """The service defaults (REVIEW_SOURCE, SCORER_CHAIN) under the job's own options, checked against what this
    service has configured: a job naming an unconfigured source would otherwise fail every row one by one."""
    merged = {**settings.job_defaults(), **options.as_dict()}
    problems = []
    if merged["source"] not in settings.configured_sources:
        problems.append(
            {
                "field": "options.source",
                "message": f"source {merged['source']!r} is not configured here "
                f"(have: {', '.join(settings.configured_sources)}; set REVIEW_SOURCE)",
            }
        )
    missing = [s for s in merged["scorer_chain"] if s not in settings.configured_scorers]
    if missing:
        problems.append(
            {
                "field": "options.scorer_chain",
                "message": f"scorer(s) {', '.join(missing)} not configured here "
                f"(have: {', '.join(settings.configured_scorers)}; set SCORER or SCORER_CHAIN)",
            }
        )
    if problems:
        raise ApiError(422, "invalid_options", "the job asks for something this service does not have", problems)
    return merged


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


def products_csv(products: list[ProductIn | str]) -> bytes:
    """A JSON product list goes through the same intake as an upload: same checks, same numbering."""
    items = [p if isinstance(p, ProductIn) else ProductIn(product_id=p) for p in products]
    columns: dict[str, None] = {"product_id": None, "name": None, "url": None, "source": None}
    for item in items:
        columns.update(dict.fromkeys(item.model_extra or {}))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for item in items:
        data = item.model_dump()
        writer.writerow(["" if data.get(c) is None else str(data.get(c)) for c in columns])
    return buf.getvalue().encode()


async def _capped_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (a chunked body has no length to check first)."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"the request is larger than the limit of {limit:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def _read_multipart(request: Request) -> tuple[BinaryIO, str | None, JobOptions]:
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "missing_file", "send the CSV in a multipart field named 'file'")
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if not content_type.startswith(_CSV_TYPES):
        raise ApiError(415, "unsupported_media_type", f"expected a CSV file, got {content_type!r}")
    raw_options = form.get("options")
    options = JobOptions()
    if isinstance(raw_options, str) and raw_options.strip():
        try:
            options = JobOptions.model_validate_json(raw_options)
        except ValidationError as err:
            raise ApiError(422, "invalid_options", "invalid 'options' field", _problems(err)) from None
    return upload.file, upload.filename, options


def _problems(err: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in err.errors()]


@router.post(
    "/jobs",
    status_code=201,
    response_model=JobCreated,
    openapi_extra=_CREATE_BODY,
    summary="Create and start a job from a CSV upload (multipart 'file') or a JSON product list",
)
async def create_job(
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobCreated:
    svc = services(request)
    limit = svc.settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise ApiError(413, "too_large", f"the upload is larger than the limit of {limit:,} bytes")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        if length is None:
            # A chunked multipart body is spooled whole before we see it: without a length, nothing caps it.
            raise ApiError(411, "length_required", "send the upload with a Content-Length header")
        stream, filename, options = await _read_multipart(request)
    elif content_type == "application/json":
        try:
            body = CreateJobJson.model_validate_json(await _capped_body(request, limit))
        except ValidationError as err:
            raise ApiError(422, "invalid_request", "invalid JSON body", _problems(err)) from None
        stream, filename, options = io.BytesIO(products_csv(body.products)), None, body.options
    else:
        raise ApiError(
            415, "unsupported_media_type", "send multipart/form-data with a 'file' field, or application/json"
        )
    outcome = await create_job_from_csv(
        svc.state,
        stream,
        job_id=uuid.uuid4().hex[:16],
        filename=filename,
        options=job_options(svc.settings, options),
        idempotency_key=idempotency_key,
        limits=svc.intake_limits,
    )
    if not outcome.created:
        response.headers["Idempotent-Replayed"] = "true"
        return created_body(outcome, outcome.job.workflow_id)
    svc.metrics.jobs_created.inc()
    svc.metrics.rows_accepted.inc(outcome.progress.total)
    return created_body(outcome, await _start(svc, outcome.job.job_id))


async def _start(svc: Services, job_id: str) -> str:
    try:
        return await svc.enricher.enrich(job_id)
    except EnrichmentUnavailable as err:
        raise ApiError(503, err.code, f"the job was stored but could not be started: {err}") from err


def created_body(outcome: IntakeOutcome, workflow_id: str | None) -> JobCreated:
    job, p = outcome.job, outcome.progress
    return JobCreated(
        job_id=job.job_id,
        workflow_id=workflow_id,
        status=job.status if not workflow_id else "running",
        total_rows=p.total,
        invalid_rows=p.counts["invalid"],
        duplicate_rows=p.counts["duplicate"],
        invalid_samples=[InvalidRow(**s) for s in outcome.invalid_sample],
        links={
            "self": f"/api/v1/jobs/{job.job_id}",
            "progress": f"/api/v1/jobs/{job.job_id}/progress",
            "results": f"/api/v1/jobs/{job.job_id}/results",
        },
    )


def _encode_cursor(job: Job) -> str:
    return base64.urlsafe_b64encode(json.dumps([job.created_at.isoformat(), job.job_id]).encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, job_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        # Normalised here so a date PostgreSQL cannot hold fails as a bad cursor, not deep in the driver.
        return datetime.fromisoformat(created).astimezone(UTC), str(job_id)
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
async def get_job(request: Request, job_id: str) -> JobOut:
    svc = services(request)
    progress = await svc.enricher.get_progress(job_id)
    return job_out(await svc.state.get_job(job_id), progress)


@router.get("/jobs/{job_id}/progress", response_model=ProgressOut, summary="Row counts per status, percent, ETA")
async def get_progress(request: Request, job_id: str) -> ProgressOut:
    return progress_out(await services(request).enricher.get_progress(job_id))


@router.get(
    "/jobs/{job_id}/results",
    response_model=ResultPage,
    summary="Results in row order (keyset pages), or the whole job as CSV with ?format=csv",
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_results(
    request: Request,
    job_id: str,
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
    status = _ACCEPTED_STATUS.get(action) or (await svc.state.get_job(job_id)).status
    return ActionResult(job_id=job_id, status=status)


@router.post("/jobs/{job_id}/cancel", status_code=202, response_model=ActionResult, summary="Cancel a job")
async def cancel(request: Request, job_id: str) -> ActionResult:
    return await _action(request, job_id, "cancel")


@router.post("/jobs/{job_id}/pause", status_code=202, response_model=ActionResult, summary="Pause a running job")
async def pause(request: Request, job_id: str) -> ActionResult:
    return await _action(request, job_id, "pause")


@router.post("/jobs/{job_id}/resume", status_code=202, response_model=ActionResult, summary="Resume a paused job")
async def resume(request: Request, job_id: str) -> ActionResult:
    return await _action(request, job_id, "resume")
