"""POST /api/v1/jobs: parse a CSV upload (multipart) or a JSON product list, hand it to the JobService."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from internal.http.bodies import create_body_schema, parse_json, product_dict, read_create_body
from internal.http.lookup import provided
from internal.http.schemas import CreateJobJson, JobCreated
from internal.jobs.service import JobService
from internal.jobs.views import created_body

router = APIRouter(prefix="/api/v1", tags=["jobs"])


@router.post(
    "/jobs",
    status_code=201,
    response_model=JobCreated,
    openapi_extra=create_body_schema("CreateJobJson"),
    summary="Create and start a job from a CSV upload (multipart 'file') or a JSON product list",
    responses={503: {"description": "stored but not started: the body names the job and how to start it"}},
)
async def create_job(
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobCreated:
    jobs = provided(request, JobService)
    body = await read_create_body(request, jobs.settings)
    if body.stream is not None:
        started = await jobs.create_from_csv(
            body.stream, filename=body.filename, options=body.options.as_dict(), idempotency_key=idempotency_key
        )
    else:
        assert body.json is not None
        parsed = parse_json(CreateJobJson, body.json)
        started = await jobs.create_from_products(
            [product_dict(p) for p in parsed.products],
            options=parsed.options.as_dict(),
            idempotency_key=idempotency_key,
        )
    if not started.created:
        # The same request again: the job as it is now (started, if the first attempt could not start it).
        response.headers["Idempotent-Replayed"] = "true"
    return created_body(started)
