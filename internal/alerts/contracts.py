"""What the alert activities are called and what they take and return: JobWorkflow and ScheduledRunWorkflow call
`announce_alerts` by name at their end, AlertDeliveryWorkflow calls `deliver_alert` and `finish_alert`.
Pure records: workflow code imports this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ANNOUNCE_ALERTS = "announce_alerts"
DELIVER_ALERT = "deliver_alert"
FINISH_ALERT = "finish_alert"

# The workflow-shape marker of the announce at a job's and a scheduled run's end: runs that started before it
# existed replay without the activity (tests/integration/test_replay.py).
ANNOUNCE_PATCH = "alerts-announce-end"

# What a subscription can ask to hear about.
Condition = Literal["sentiment_drop", "job_finished", "schedule_run_finished"]
CONDITIONS: tuple[Condition, ...] = ("sentiment_drop", "job_finished", "schedule_run_finished")
# Which products or runs a subscription covers: all, one schedule's runs, or one job's products.
ScopeKind = Literal["all", "schedule", "job"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("all", "schedule", "job")

Event = Literal["job_finished", "schedule_run_finished"]


def alert_workflow_id(alert_id: str) -> str:
    """The delivery workflow of an alert: one per alert, ever (started with REJECT_DUPLICATE)."""
    return f"alert-{alert_id}"


@dataclass(frozen=True)
class AnnounceInput:
    event: Event
    job_id: str
    status: str  # how the job ended: completed | failed | cancelled
    # What makes this end unique: the job run's id (a retried job ends again, and may alert again), or the
    # scheduled run's workflow id.
    run_key: str
    schedule_id: str | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # rows per terminal status, as the job counted them


@dataclass(frozen=True)
class AnnounceResult:
    alert_ids: list[str] = field(default_factory=list)  # the alerts this end made (each started once)


@dataclass(frozen=True)
class DeliverInput:
    alert_id: str


@dataclass(frozen=True)
class DeliverResult:
    http_status: int
    attempt: int


@dataclass(frozen=True)
class FinishAlertInput:
    alert_id: str
    reason: str


@dataclass(frozen=True)
class FinishAlertResult:
    status: str
