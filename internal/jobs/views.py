"""Response bodies built from the service's records, and the list cursor: what the routes answer with."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

from internal.domain.errors import ServiceError
from internal.http.schemas import (
    JOB_ID_PATTERN,
    InvalidRow,
    JobCreated,
    JobOut,
    ProgressOut,
    ResultPage,
    ResultRow,
)
from internal.jobs.facade import ProgressView
from internal.jobs.service import Started
from internal.ledger.records import Job, RowState


def job_out(job: Job, progress: ProgressView | None = None) -> JobOut:
    # JobOut names a subset of the record's fields, by the same names.
    out = JobOut.model_validate(job, from_attributes=True)
    return out if progress is None else out.model_copy(update={"progress": ProgressOut.model_validate(progress)})


def created_body(started: Started) -> JobCreated:
    job, progress, workflow_id = started.job, started.progress, started.workflow_id
    # Just started: the workflow records `running` a moment later; answer with what the start leads to.
    status = "running" if workflow_id and job.status == "created" else job.status
    return JobCreated(
        job_id=job.job_id,
        workflow_id=workflow_id,
        status=status,
        total_rows=progress.total,
        invalid_rows=progress.counts["invalid"],
        duplicate_rows=progress.counts["duplicate"],
        invalid_samples=[InvalidRow(**s) for s in started.samples.invalid],
        warnings=[InvalidRow(**s) for s in started.samples.truncated],
        error=job.error,
        links={
            "self": f"/api/v1/jobs/{job.job_id}",
            "progress": f"/api/v1/jobs/{job.job_id}/progress",
            "results": f"/api/v1/jobs/{job.job_id}/results",
        },
    )


def result_page(job: Job, rows: list[RowState], limit: int) -> ResultPage:
    header = job.header or ["product_id"]
    return ResultPage(
        job_id=job.job_id,
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
                source_requests=r.source_requests,
                scorer_calls=r.scorer_calls,
                findings=r.findings,
            )
            for r in rows
        ],
        next_after=rows[-1].row_num if len(rows) == limit else None,
    )


def encode_cursor(job: Job) -> str:
    return base64.urlsafe_b64encode(json.dumps([job.created_at.isoformat(), job.job_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        created, job_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(job_id, str) or not re.match(JOB_ID_PATTERN, job_id):
            raise ValueError("not a job id")
        # Normalised here so a date PostgreSQL cannot hold fails as a bad cursor, not deep in the driver.
        return datetime.fromisoformat(created).astimezone(UTC), job_id
    except (ValueError, TypeError, OverflowError) as err:
        raise ServiceError("cursor is not one this API handed out", status=422, code="invalid_cursor") from err
