"""Upload → job: stream a CSV through the intake (internal/intake, the parser) into the job's stores.

Plain functions over the jobs family's stores (JobStores) so the test harnesses can fill a job without an API;
JobService (internal/jobs/service.py) is what the routes and cmd/enrich_file.py call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from internal.domain.errors import ServiceError
from internal.intake import CsvIntake, CsvIntakeError, IntakeLimits, IntakeRow, IntakeSummary, RowError
from internal.jobs.stores import JobStores
from internal.ledger.records import Job, NewJob, NewRow, Progress

# How many invalid (and truncated) rows an upload response lists; the rest are in the results with their reasons.
INVALID_SAMPLE = 20


class IntakeBusy(ServiceError):
    """Another request (or process) is reading this job's rows in right now."""

    status, code = 409, "intake_in_progress"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} is being started by another request; wait for it to finish")
        self.job_id = job_id


@dataclass
class RowSamples:
    """The first rows an upload answer names: invalid ones, and ones whose echoed cells were truncated (a warning:
    they run, with a note in their reason). Each is {row, column, column_name, reason}."""

    invalid: list[dict[str, Any]] = field(default_factory=list)
    truncated: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: IntakeRow) -> None:
        for found, into in ((row.error, self.invalid), (row.note, self.truncated)):
            if found is not None and len(into) < INVALID_SAMPLE:
                text = found.reason if isinstance(found, RowError) else found.note
                into.append({"row": row.row, "column": found.column, "column_name": found.column_name, "reason": text})


@dataclass
class IntakeOutcome:
    job: Job
    created: bool
    progress: Progress
    summary: IntakeSummary | None
    samples: RowSamples = field(default_factory=RowSamples)


def _to_new_row(row: IntakeRow, header: list[str], samples: RowSamples) -> NewRow:
    error = row.error
    if error is not None or row.note is not None:
        samples.add(row)
    return NewRow(
        row_num=row.row,
        product_id=row.product_id,
        cells=[row.data.get(name, "") for name in header],
        name=row.name,
        url=row.url,
        source=row.source,
        error=None if error is None else error.reason,
        error_column=None if error is None else error.column,
        note=None if row.note is None else row.note.note,
    )


async def read_rows(
    stream: BinaryIO,
    *,
    filename: str | None,
    limits: IntakeLimits | None,
    batch_size: int,
    layout: Callable[[IntakeSummary], Awaitable[None]],
    store: Callable[[Iterator[NewRow], int], Awaitable[int]],
) -> tuple[IntakeSummary, RowSamples]:
    """Parse a CSV and hand its layout and rows to `layout` and `store`: the one intake of a job's upload and of a
    schedule's template (internal/schedules/service.py). Raises CsvIntakeError; the caller removes what `store`
    stored. Returns the summary and a sample of the invalid and the truncated rows.

    The parser is synchronous, but it works one batch at a time between awaits, so an API process stays
    responsive; memory is bounded by `batch_size`.
    """
    intake = CsvIntake(stream, limits or IntakeLimits())
    summary = intake.open()
    await layout(summary)
    samples = RowSamples()
    await store((_to_new_row(r, summary.header, samples) for r in intake.rows()), batch_size)
    if summary.data_rows == 0:
        # The parser reads such a file fine; as a job it would "complete" at 100 % having done nothing.
        raise CsvIntakeError(
            "no_data_rows",
            f"{filename or 'The upload'} has a header row (row {summary.header_row}) but no data rows: "
            "there is nothing to enrich.",
            row=summary.header_row,
        )
    return summary, samples


async def ingest_csv(
    state: JobStores,
    stream: BinaryIO,
    job_id: str,
    *,
    filename: str | None = None,
    limits: IntakeLimits | None = None,
    batch_size: int = 5000,
) -> IntakeOutcome:
    """Fill an existing, empty job from a CSV. On a file-level problem the rows stored so far are removed and
    CsvIntakeError is raised."""
    try:
        summary, samples = await read_rows(
            stream,
            filename=filename,
            limits=limits,
            batch_size=batch_size,
            layout=lambda s: state.jobs.set_job_layout(
                job_id, header=s.header, id_column=s.id_column, delimiter=s.delimiter, filename=filename
            ),
            store=lambda rows, size: state.rows.ingest_rows(job_id, rows, batch_size=size),
        )
    except CsvIntakeError:
        await state.rows.clear_rows(job_id)
        raise
    progress = await state.rows.complete_intake(job_id)
    await state.events.append_event(
        job_id,
        "job.created",
        {
            "filename": filename,
            "rows": progress.total,
            "invalid": progress.counts["invalid"],
            "duplicate": progress.counts["duplicate"],
            "truncated": summary.truncated_rows,
            "blank_rows_skipped": summary.blank_rows_skipped,
            "delimiter": summary.delimiter,
            "id_column": summary.id_column,
        },
    )
    return IntakeOutcome(
        job=await state.jobs.get_job(job_id), created=True, progress=progress, summary=summary, samples=samples
    )


async def create_job_from_csv(
    state: JobStores,
    stream: BinaryIO,
    *,
    job_id: str,
    filename: str | None = None,
    options: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    limits: IntakeLimits | None = None,
    batch_size: int = 5000,
) -> IntakeOutcome:
    """Create the job and its rows. A file-level problem raises CsvIntakeError and leaves no job behind.

    The intake lease is taken before the job exists, so a crash at any point leaves either nothing or a job that
    internal/jobs/recovery.py recognises as cut off.
    """
    async with state.intakes.lease(job_id) as held:
        if not held:
            raise IntakeBusy(job_id)
        job, created = await state.jobs.create_job(
            NewJob(
                job_id=job_id,
                filename=filename,
                options=options or {},
                idempotency_key=idempotency_key,
                intake_started=True,
            )
        )
        if not created:
            # Same idempotency key (or id) as an earlier upload: that job stands, whatever this body holds.
            return IntakeOutcome(
                job=job, created=False, progress=await state.jobs.get_progress(job.job_id), summary=None
            )
        try:
            return await ingest_csv(state, stream, job_id, filename=filename, limits=limits, batch_size=batch_size)
        except CsvIntakeError:
            await state.jobs.delete_job(job_id)
            raise


async def ingest_upload(
    state: JobStores,
    stream: BinaryIO,
    job_id: str,
    *,
    filename: str | None = None,
    limits: IntakeLimits | None = None,
) -> IntakeOutcome:
    """Fill a job created earlier (signed upload) from its stored file, under the job's intake lease.

    A crash mid-way leaves the upload in place and the job marked as started, so the recovery clears the rows and
    the client's next start reads the file again.
    """
    async with state.intakes.lease(job_id) as held:
        if not held:
            raise IntakeBusy(job_id)
        await state.intakes.begin(job_id)
        return await ingest_csv(state, stream, job_id, filename=filename, limits=limits)
