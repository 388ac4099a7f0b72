"""The lifecycle of a job and of its rows: the statuses and which moves between them are allowed.

The one definition that the stores (SQL guards), the services, the workflows and the web page's buttons read."""

from __future__ import annotations

from typing import Final, Literal, get_args

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

ROW_STATUSES: Final[tuple[RowStatus, ...]] = get_args(RowStatus)
OPEN_ROW_STATUSES: Final[tuple[RowStatus, ...]] = ("pending", "running")
TERMINAL_ROW_STATUSES: Final[tuple[RowStatus, ...]] = tuple(s for s in ROW_STATUSES if s not in OPEN_ROW_STATUSES)
JOB_STATUSES: Final[tuple[JobStatus, ...]] = get_args(JobStatus)
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

# What a user may do to a job (API, CLI, the web page's buttons), and from which statuses. A cancel moves the job
# to `cancelling` (its workflow closes the rows, then writes `cancelled`); pause and resume are the workflow's
# signals; a retry reopens a finished job's failed (and cancelled) rows (internal/jobs/retry.py).
JobAction = Literal["pause", "resume", "cancel", "retry"]
ACTION_FROM: Final[dict[JobAction, tuple[JobStatus, ...]]] = {
    "pause": JOB_TRANSITIONS["paused"],
    "resume": ("paused",),  # not `created`: a job that never started is started, not resumed
    "cancel": JOB_TRANSITIONS["cancelling"],
    "retry": TERMINAL_JOB_STATUSES,
}
# The status an accepted action leads to at once.
ACTION_LEADS_TO: Final[dict[JobAction, JobStatus]] = {
    "pause": "paused",
    "resume": "running",
    "cancel": "cancelling",
    "retry": "running",
}


def action_refusal(job_id: str, status: JobStatus, action: JobAction) -> str | None:
    """Why `action` cannot be taken on a job in `status` (None: it can): the one wording API and CLI show."""
    allowed = ACTION_FROM[action]
    if status in allowed:
        return None
    if status in TERMINAL_JOB_STATUSES and action == "cancel":
        return f"job {job_id!r} is already {status}"
    return f"job {job_id!r} is {status}; only a {' or '.join(allowed)} job can be {_PAST[action]}"


_PAST: Final[dict[JobAction, str]] = {"pause": "paused", "resume": "resumed", "cancel": "cancelled", "retry": "retried"}


class InvalidTransition(ServiceError):
    """A status write the table above forbids, usually one that lost a race (a cancel landing as the job
    completes): a conflict, not a bug."""

    status, code = 409, "invalid_transition"

    def __init__(self, job_id: str, current: str, target: str) -> None:
        super().__init__(f"job {job_id!r} is {current}; it cannot become {target}")
        self.job_id, self.current, self.target = job_id, current, target
