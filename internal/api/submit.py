"""Creating and starting jobs: POST /api/v1/jobs (CSV upload or JSON product list), shared with the signed-URL flow."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Header, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from internal.api.deps import Services, services
from internal.api.disk import require_space
from internal.api.errors import ApiError, validation_error
from internal.api.schemas import CreateJobJson, InvalidRow, JobCreated, JobOptions, ProductIn
from internal.config import Settings
from internal.domain.options import InvalidOptions, resolve_job_options
from internal.enricher.base import EnrichmentUnavailable
from internal.intake import CsvIntakeError
from internal.jobs.intake import create_job_from_csv
from internal.state.models import Job, Progress

router = APIRouter(prefix="/api/v1", tags=["jobs"])

# Browsers and curl label CSVs in many ways; what we refuse are types that are clearly something else. A part
# with no type at all is taken as a CSV too (the content decides).
_CSV_TYPE_PREFIXES = ("text/", "application/csv", "application/vnd.ms-excel", "application/octet-stream")
# The discriminator tags of a product item (schemas.ProductItem): not part of any field path a client wrote.
_ITEM_TAGS = ("object", "id")

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


def start_path(job_id: str) -> str:
    return f"/api/v1/jobs/{job_id}/start"


def job_options(settings: Settings, options: JobOptions) -> dict[str, Any]:
    """The job's options over the service defaults (REVIEW_SOURCE, SCORER_CHAIN), as stored with the job."""
    try:
        return resolve_job_options(
            options.as_dict(),
            settings.job_defaults(),
            sources=settings.configured_sources,
            scorers=settings.configured_scorers,
        )
    except InvalidOptions as err:
        raise ApiError(422, "invalid_options", err.message, err.problems) from None


def products_csv(products: list[ProductIn | str]) -> tuple[bytes, list[str]]:
    """A JSON product list goes through the same intake as an upload: same checks, same numbering. Returns the
    CSV and its columns (to name a field when the intake refuses something)."""
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
    return buf.getvalue().encode(), list(columns)


def json_intake_error(err: CsvIntakeError, columns: list[str]) -> ApiError:
    """The intake speaks of CSV rows and columns; a JSON client sent `products[i].field`."""
    field = "products"
    if err.row is not None and err.row > 1:  # row 1 is the header made of every field name
        field += f".{err.row - 2}"
        if err.column is not None and 0 < err.column <= len(columns):
            field += f".{columns[err.column - 1]}"
    message = err.message.replace("The header (row 1)", "The set of product fields")
    if err.row is not None and err.row > 1:
        message = message.replace(f"Row {err.row}", "This product").replace(f"row {err.row}", "this product")
    status = 413 if err.code == "too_large" else 422
    return ApiError(status, err.code, f"{field}: {message}", {"field": field, "code": err.code})


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
    if content_type and not content_type.startswith(_CSV_TYPE_PREFIXES):
        raise ApiError(415, "unsupported_media_type", f"the 'file' part is {content_type!r}: expected a CSV (text/csv)")
    raw_options = form.get("options")
    options = JobOptions()
    if isinstance(raw_options, str) and raw_options.strip():
        try:
            options = JobOptions.model_validate_json(raw_options)
        except ValidationError as err:
            raise validation_error("invalid_options", "invalid 'options' field", err, prefix="options") from None
    return upload.file, upload.filename, options


def _parse_json(raw: bytes) -> CreateJobJson:
    try:
        return CreateJobJson.model_validate_json(raw)
    except ValidationError as err:
        raise validation_error("invalid_request", "invalid JSON body", err, drop=_ITEM_TAGS) from None


@router.post(
    "/jobs",
    status_code=201,
    response_model=JobCreated,
    openapi_extra=_CREATE_BODY,
    summary="Create and start a job from a CSV upload (multipart 'file') or a JSON product list",
    responses={503: {"description": "stored but not started: the body names the job and how to start it"}},
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
    require_space(svc.settings)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    columns: list[str] | None = None
    if content_type == "multipart/form-data":
        if length is None:
            # A chunked multipart body is spooled whole before we see it: without a length, nothing caps it.
            raise ApiError(411, "length_required", "send the upload with a Content-Length header")
        stream, filename, options = await _read_multipart(request)
    elif content_type == "application/json":
        body = _parse_json(await _capped_body(request, limit))
        data, columns = products_csv(body.products)
        stream, filename, options = io.BytesIO(data), None, body.options
    else:
        raise ApiError(
            415, "unsupported_media_type", "send multipart/form-data with a 'file' field, or application/json"
        )
    try:
        outcome = await create_job_from_csv(
            svc.state,
            stream,
            job_id=uuid.uuid4().hex[:16],
            filename=filename,
            options=job_options(svc.settings, options),
            idempotency_key=idempotency_key,
            limits=svc.intake_limits,
        )
    except CsvIntakeError as err:
        if columns is None:
            raise
        raise json_intake_error(err, columns) from None
    job = outcome.job
    if not outcome.created:
        # The same request again: answer with the job as it is now, starting it if the first attempt could not.
        response.headers["Idempotent-Replayed"] = "true"
        started = job.intake_complete and job.status == "created"
        workflow_id = await start_job(svc, job, outcome.progress) if started else job.workflow_id
        return created_body(job, outcome.progress, workflow_id)
    svc.metrics.jobs_created.inc()
    svc.metrics.rows_accepted.inc(outcome.progress.total)
    return created_body(job, outcome.progress, await start_job(svc, job, outcome.progress), outcome.invalid_sample)


async def start_job(svc: Services, job: Job, progress: Progress) -> str:
    """Start a stored job; when the orchestrator is down, a 503 that says the job exists and how to start it."""
    try:
        return await svc.enricher.enrich(job.job_id)
    except EnrichmentUnavailable as err:
        path = start_path(job.job_id)
        raise ApiError(
            503,
            err.code,
            f"job {job.job_id} was created with its {progress.total} rows but could not be started ({err}); "
            f"it stays 'created': start it with POST {path} once the service is back",
            {"job_id": job.job_id, "created": True, "status": "created", "start": {"method": "POST", "path": path}},
        ) from err


def created_body(
    job: Job, progress: Progress, workflow_id: str | None, invalid_sample: list[dict[str, Any]] | None = None
) -> JobCreated:
    # Just started: the workflow records `running` a moment later; answer with what the start leads to.
    status = "running" if workflow_id and job.status == "created" else job.status
    return JobCreated(
        job_id=job.job_id,
        workflow_id=workflow_id,
        status=status,
        total_rows=progress.total,
        invalid_rows=progress.counts["invalid"],
        duplicate_rows=progress.counts["duplicate"],
        invalid_samples=[InvalidRow(**s) for s in invalid_sample or []],
        links={
            "self": f"/api/v1/jobs/{job.job_id}",
            "progress": f"/api/v1/jobs/{job.job_id}/progress",
            "results": f"/api/v1/jobs/{job.job_id}/results",
        },
    )
