"""When a schedule runs, said the one way: `every` (an interval such as `5s`, `1h`, `1h30m`) or `cron`, parsed and
checked here, and the Temporal Schedule built from it (docs/schedules.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from internal.domain.errors import ServiceError
from internal.schedules.workflow import ScheduledRunInput, ScheduledRunWorkflow, run_workflow_id

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"(\d+)([smhd])")
# Shorter than this is load, not a refresh; the tests use 5 s. Longer than a year is a typo.
MIN_EVERY_SECONDS = 1
MAX_EVERY_SECONDS = 366 * 86400
MAX_CRON_CHARS = 200


class InvalidSchedule(ServiceError):
    """A schedule's timing cannot be used (bad interval, bad cron expression, both or neither given)."""

    status, code = 422, "invalid_schedule"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", details=[{"field": field, "message": message}])
        self.field = field


def parse_every(text: str) -> int:
    """`5s`, `90m`, `1h30m`, `2d` → seconds; InvalidSchedule (field `every`) naming what is wrong."""
    value = text.strip().lower()
    if not value or _EVERY.sub("", value):
        raise InvalidSchedule(
            "every", f"{text[:40]!r} is not an interval: write a number and a unit (s, m, h, d), e.g. 5s, 1h, 1h30m"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _EVERY.findall(value))
    if not MIN_EVERY_SECONDS <= seconds <= MAX_EVERY_SECONDS:
        raise InvalidSchedule("every", f"{text[:40]!r} is {seconds:,} s: an interval must be between 1 s and 366 days")
    return seconds


def format_every(seconds: int) -> str:
    """The shortest spelling parse_every reads back to the same number (3600 → `1h`, 5400 → `1h30m`)."""
    parts = []
    for unit, size in sorted(_UNITS.items(), key=lambda u: -u[1]):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


@dataclass(frozen=True)
class Timing:
    every_seconds: int | None
    cron: str | None


def timing(every: str | None, cron: str | None) -> Timing:
    """Exactly one of the two. The cron expression itself is Temporal's to judge (the same syntax as
    `temporal schedule create --cron`); what it refuses comes back as InvalidSchedule too."""
    every = every or None
    cron = (cron or "").strip() or None
    if (every is None) == (cron is None):
        raise InvalidSchedule("every", "give exactly one of 'every' (an interval such as 1h) or 'cron'")
    if cron is not None:
        if len(cron) > MAX_CRON_CHARS or "\x00" in cron:
            raise InvalidSchedule("cron", f"a cron expression is at most {MAX_CRON_CHARS} printable characters")
        return Timing(None, cron)
    assert every is not None
    return Timing(parse_every(every), None)


def temporal_schedule(schedule_id: str, when: Timing, *, task_queue: str, label: str) -> Schedule:
    """The Temporal Schedule of a schedule: start ScheduledRunWorkflow on the main task queue, never two at once."""
    spec = (
        ScheduleSpec(cron_expressions=[when.cron])
        if when.cron is not None
        else ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=when.every_seconds or 0))])
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ScheduledRunWorkflow.run,
            ScheduledRunInput(schedule_id=schedule_id),
            id=run_workflow_id(schedule_id),
            task_queue=task_queue,
            static_summary=f"Scheduled refresh {label}",
        ),
        spec=spec,
        # SKIP: a run still going when the next is due makes the schedule skip that one, so one schedule's jobs
        # never overlap (the run waits for its job, internal/schedules/workflow.py).
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=f"review enrichment schedule {label}"),
    )
