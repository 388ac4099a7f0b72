"""The lifecycle of a job and of its rows: the statuses and which moves between them are allowed.

The one definition that the stores (SQL guards), the services, the workflows and the web page's buttons read."""

from __future__ import annotations

from typing import Final, Literal

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
