"""Every error a job use case can raise, in one list: `internal/http/errors.py` maps each to a status once, and the
command line prints their messages. The ones a lower layer already raises (the StateManager knows whether a job
exists, the enricher facade whether a transition is possible, the domain whether options make sense) are defined
there and exported from here."""

from __future__ import annotations

from typing import Any

from internal.app.state import JobNotFound
from internal.domain.options import InvalidOptions
from internal.intake import CsvIntakeError
from internal.jobs.facade import EnrichmentUnavailable, InvalidJobState
from internal.schedules.store import ScheduleNotFound

__all__ = [
    "CsvIntakeError",
    "EnrichmentUnavailable",
    "IntakeBusy",
    "InvalidJobState",
    "InvalidOptions",
    "InvalidSchedule",
    "JobNotFound",
    "JobNotStarted",
    "ProductListError",
    "ScheduleConflict",
    "ScheduleNotFound",
    "UploadTooLarge",
]


class IntakeBusy(RuntimeError):
    """Another request (or process) is reading this job's rows in right now."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} is being started by another request; wait for it to finish")
        self.job_id = job_id


class JobNotStarted(Exception):
    """The job and its rows are stored, but the orchestrator could not start it: it stays `created` and a later
    start (or the same request with its Idempotency-Key) starts it."""

    def __init__(self, job_id: str, total_rows: int, cause: EnrichmentUnavailable) -> None:
        super().__init__(f"job {job_id} was created with its {total_rows} rows but could not be started ({cause})")
        self.job_id, self.total_rows, self.cause = job_id, total_rows, cause
        self.code = cause.code


class UploadTooLarge(ValueError):
    """A stored upload is larger than the limit (an S3 presigned PUT carries no size cap of its own)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the upload is {size:,} bytes, larger than the limit of {limit:,} bytes")
        self.size, self.limit = size, limit


class ProductListError(ValueError):
    """The intake refused a JSON product list: the CsvIntakeError restated with the client's field path
    (`products.3.product_id`) instead of CSV rows and columns."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.code, self.field = code, field

    def details(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code}


class InvalidSchedule(ValueError):
    """A schedule's timing cannot be used (bad interval, bad cron expression, both or neither given)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    def details(self) -> list[dict[str, str]]:
        return [{"field": self.field, "message": str(self).removeprefix(f"{self.field}: ")}]


class ScheduleConflict(RuntimeError):
    """The schedule is in a state where the request makes no sense (deleted, a run already in progress)."""

    def __init__(self, message: str, *, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.code = code
