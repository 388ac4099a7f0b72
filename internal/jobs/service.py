"""JobService: the job use cases, one place for what the HTTP routes and cmd/enrich_file.py both do.

Create a job from a CSV or a product list, create one for a signed upload and start it once uploaded, start a
stored job whose first start failed, cancel / pause / resume, and read jobs back. Its errors are ServiceErrors
(internal/domain/errors.py) and it never speaks HTTP: the routes parse, call and let
internal/http/error_responses.py map.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from internal.adapters.uploads.local import UploadStore
from internal.domain.errors import ServiceError
from internal.domain.lifecycle import JobStatus
from internal.enrichment.findings_cells import with_findings
from internal.intake import CsvIntakeError, IntakeLimits
from internal.jobs.export import csv_stream
from internal.jobs.facade import Enricher, EnrichmentUnavailable, InvalidJobState
from internal.jobs.job_options import job_options
from internal.jobs.product_list import product_list_error, products_csv
from internal.jobs.retry import FAILED_ROWS, UNFINISHED_ROWS, Retried, retry_rows
from internal.jobs.stores import JobStores
from internal.jobs.upload import RowSamples, create_job_from_csv, ingest_upload
from internal.ledger.records import Event, Job, NewJob, Progress, RowState
from internal.platform.config import Settings

# What a pause or resume that was accepted leads to. The workflow records the same status when it handles the
# signal, and a write for the signal before (a pause just before this resume) can land a moment after ours:
# reading the job back could answer with that stale status, so the answer is the transition's own result.


def new_job_id() -> str:
    return uuid.uuid4().hex[:16]


class JobNotStarted(ServiceError):
    """The job and its rows are stored, but the orchestrator could not start it: it stays `created` and a later
    start (or the same request with its Idempotency-Key) starts it. `str()` says what happened; `message`, the
    API's answer, adds how to start it."""

    status = 503

    def __init__(self, job_id: str, total_rows: int, cause: EnrichmentUnavailable) -> None:
        said = f"job {job_id} was created with its {total_rows} rows but could not be started ({cause})"
        path = f"/api/v1/jobs/{job_id}/start"
        super().__init__(
            said,
            code=cause.code,
            details={"job_id": job_id, "created": True, "status": "created", "start": {"method": "POST", "path": path}},
        )
        self.message = f"{said}; it stays 'created': start it with POST {path} once the service is back"
        self.job_id, self.total_rows, self.cause = job_id, total_rows, cause


class UploadTooLarge(ServiceError):
    """A stored upload is larger than the limit (an S3 presigned PUT carries no size cap of its own)."""

    status, code = 413, "too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the upload is {size:,} bytes, larger than the limit of {limit:,} bytes")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Started:
    """A job as a create or start leaves it: stored, and started unless `workflow_id` is None."""

    job: Job
    progress: Progress
    workflow_id: str | None
    # False when the request repeated an earlier one (same Idempotency-Key): that job stands as it was.
    created: bool = True
    samples: RowSamples = field(default_factory=RowSamples)


@dataclass
class JobService:
    settings: Settings
    state: JobStores
    enricher: Enricher
    intake_limits: IntakeLimits
    # Where signed uploads are stored; None where there are none (cmd/enrich_file.py reads a local file).
    uploads: UploadStore | None = None
    # Told the number of rows of every job that was created (the API counts them in its metrics).
    on_created: Callable[[int], None] = lambda rows: None
    # Raises when there is no room for a new job's rows (the API's free-disk check); called before an intake.
    require_space: Callable[[], None] = lambda: None

    def resolve_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """The options stored with a new job; InvalidOptions when they name an adapter this service lacks."""
        return job_options(self.settings, options)

    async def create_from_csv(
        self,
        stream: BinaryIO,
        *,
        filename: str | None = None,
        options: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        job_id: str | None = None,
    ) -> Started:
        """Store the job and its rows, then start it. CsvIntakeError leaves no job behind; JobNotStarted leaves
        the job stored and `created`."""
        outcome = await create_job_from_csv(
            self.state,
            stream,
            job_id=job_id or new_job_id(),
            filename=filename,
            options=self.resolve_options(options),
            idempotency_key=idempotency_key,
            limits=self.intake_limits,
        )
        job, progress = outcome.job, outcome.progress
        if not outcome.created:
            # The same request again: the job as it is now, started if the first attempt could not start it.
            workflow_id = await self._start(job, progress) if self._start_failed(job) else job.workflow_id
            return Started(job, progress, workflow_id, created=False)
        self.on_created(progress.total)
        return await self._start_new(job, progress, outcome.samples)

    async def create_from_products(
        self,
        products: Sequence[Mapping[str, object]],
        *,
        options: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Started:
        """As create_from_csv, for a list of products (mappings with a `product_id`); what the intake refuses is
        raised as ProductListError naming the product field."""
        data, columns = products_csv(products)
        try:
            return await self.create_from_csv(io.BytesIO(data), options=options, idempotency_key=idempotency_key)
        except CsvIntakeError as err:
            raise product_list_error(err, columns) from None

    async def create_for_upload(self, *, filename: str | None, options: Mapping[str, Any] | None) -> Job:
        """An empty job waiting for its signed upload."""
        job, _ = await self.state.jobs.create_job(
            NewJob(job_id=new_job_id(), filename=filename, options=self.resolve_options(options))
        )
        return job

    async def check_uploadable(self, job_id: str) -> Job:
        """The job if a file may still be uploaded for it."""
        job = await self.state.jobs.get_job(job_id)
        _check_startable(job)
        return job

    async def start(self, job_id: str) -> Started:
        """Start a job: one whose rows are stored but whose start failed (the orchestrator was down), or one whose
        CSV was uploaded to its signed URL. Starting twice starts one workflow."""
        job = await self.state.jobs.get_job(job_id)
        if self._start_failed(job):
            progress = await self.state.jobs.get_progress(job_id)
            return Started(job, progress, await self._start(job, progress))
        _check_startable(job)
        self.require_space()
        uploads = self.uploads
        size = None if uploads is None else await uploads.size(job_id)
        if uploads is None or size is None:
            raise InvalidJobState(
                f"nothing has been uploaded for job {job_id!r}; PUT the CSV to its URL first", code="no_upload"
            )
        limit = self.settings.max_upload_bytes
        if size > limit:
            raise UploadTooLarge(size, limit)  # before downloading, not after
        async with uploads.open(job_id) as path:
            with path.open("rb") as fh:
                outcome = await ingest_upload(self.state, fh, job_id, filename=job.filename, limits=self.intake_limits)
        self.on_created(outcome.progress.total)
        return await self._start_new(outcome.job, outcome.progress, outcome.samples)

    async def retry_failed(self, job_id: str) -> Retried:
        """Run the failed rows of a finished job again (semantics: internal/jobs/retry.py)."""
        return await retry_rows(self.state, self.enricher, job_id, FAILED_ROWS)

    async def retry_unfinished(self, job_id: str) -> Retried:
        """Run the failed and the cancelled rows of a finished job again (internal/jobs/retry.py)."""
        return await retry_rows(self.state, self.enricher, job_id, UNFINISHED_ROWS)

    async def get(self, job_id: str) -> Job:
        return await self.state.jobs.get_job(job_id)

    async def list_jobs(
        self, *, limit: int, status: JobStatus | None = None, before: tuple[datetime, str] | None = None
    ) -> list[Job]:
        return await self.state.jobs.list_jobs(limit=limit, status=status, before=before)

    async def results(self, job_id: str, *, after: int, limit: int, findings: bool = True) -> list[RowState]:
        """A page of rows with their findings (aspects and evidence) attached; `findings=False` leaves them out (the
        web page's table scans many rows and shows none of them)."""
        rows = await self.state.rows.get_results(job_id, after_row=after, limit=limit)
        return await with_findings(self.state, job_id, rows) if findings else rows

    def export_csv(self, job: Job) -> AsyncIterator[str]:
        """Every row of the job as CSV text, a page at a time (export.py says how a row becomes cells)."""
        return csv_stream(lambda after, limit: self.results(job.job_id, after=after, limit=limit), job)

    async def events(self, job_id: str, *, after: int, limit: int) -> list[Event]:
        await self.state.jobs.get_job(job_id)  # JobNotFound for an unknown job rather than an empty list
        return await self.state.events.list_events(job_id, after_id=after, limit=limit)

    @staticmethod
    def _start_failed(job: Job) -> bool:
        # Its rows are stored; only the start failed (Temporal was unreachable).
        return job.intake_complete and job.status == "created"

    async def _start_new(self, job: Job, progress: Progress, samples: RowSamples) -> Started:
        """Start a job whose rows were just stored; one in which no row can run (every row invalid) is failed at
        once with the reason, and never started: the upload answer already says how it ended."""
        failed = await self.state.jobs.fail_if_nothing_can_run(job.job_id)
        if failed is not None:
            return Started(failed, await self.state.jobs.get_progress(job.job_id), None, samples=samples)
        return Started(job, progress, await self._start(job, progress), samples=samples)

    async def _start(self, job: Job, progress: Progress) -> str:
        try:
            return await self.enricher.enrich(job.job_id)
        except EnrichmentUnavailable as err:
            raise JobNotStarted(job.job_id, progress.total, err) from err


def _check_startable(job: Job) -> None:
    if job.intake_complete:
        raise InvalidJobState(f"job {job.job_id!r} has already been started; ask for a new URL", code="already_started")
    if job.status != "created":
        raise InvalidJobState(f"job {job.job_id!r} is {job.status}; ask for a new URL")
