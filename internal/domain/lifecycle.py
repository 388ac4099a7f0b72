"""The lifecycle of a job and of its rows: the statuses and which moves between them are allowed.

The one definition that the stores (SQL guards), the services, the workflows and the web page's buttons read."""

from __future__ import annotations

from typing import Final, Literal

from internal.domain.errors import ServiceError

JobStatus = Literal["created", "running", "paused", "cancelling", "completed", "failed", "cancelled"]
RowStatus = Literal[
    "pending",
    "running",
    "succeeded",
    "low_confidence",
    "no_reviews",
    "failed",
    "cancelled",
    "invalid",
    "duplicate",
]

ROW_STATUSES: Final[tuple[RowStatus, ...]] = (
    "pending",
    "running",
    "succeeded",
    "low_confidence",
    "no_reviews",
    "failed",
    "cancelled",
    "invalid",
    "duplicate",
)
OPEN_ROW_STATUSES: Final[tuple[RowStatus, ...]] = ("pending", "running")
TERMINAL_ROW_STATUSES: Final[tuple[RowStatus, ...]] = tuple(s for s in ROW_STATUSES if s not in OPEN_ROW_STATUSES)
TERMINAL_JOB_STATUSES: Final[tuple[JobStatus, ...]] = ("completed", "failed", "cancelled")

# Which job statuses each target may be entered from; anything else is an impossible transition (409 in the API).
JOB_TRANSITIONS: Final[dict[JobStatus, tuple[JobStatus, ...]]] = {
    "running": ("created", "paused"),
    "paused": ("running",),
    "cancelling": ("created", "running", "paused"),
    "completed": ("running", "paused"),
    "failed": ("created", "running", "paused", "cancelling"),
    "cancelled": ("created", "running", "paused", "cancelling"),
}


class InvalidTransition(ServiceError):
    """A status write the table above forbids, usually one that lost a race (a cancel landing as the job
    completes): a conflict, not a bug."""

    status, code = 409, "invalid_transition"

    def __init__(self, job_id: str, current: str, target: str) -> None:
        super().__init__(f"job {job_id!r} is {current}; it cannot become {target}")
        self.job_id, self.current, self.target = job_id, current, target
