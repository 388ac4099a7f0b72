"""A schedule's run: the activity that makes its job, its input and result.

Pure dataclasses, no I/O: the scheduled workflow imports this module inside the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Activity name (stable: recorded in workflow histories).
CREATE_SCHEDULED_JOB = "create_scheduled_job"


@dataclass(frozen=True)
class ScheduledJobInput:
    schedule_id: str
    # The scheduled workflow's id and run id: together one per scheduled or triggered action, so a retry finds
    # the job it made. The id alone is not: two actions in one second share it (migrations/0010_...).
    run_key: str
    run_id: str = ""  # "" in inputs recorded before run ids were passed


@dataclass(frozen=True)
class ScheduledJobResult:
    job_id: str | None  # None: the schedule was deleted before this run made a job
    previous_job_id: str | None = None
    total_rows: int = 0
    # The job's stored options, which the workflow parses into the job workflow's input.
    options: dict[str, Any] = field(default_factory=dict)
    filename: str | None = None
    # The sources the worker that made the job rate-limits (SOURCE_RATE_LIMITS): JobInput.from_stored's choice.
    rate_limited: list[str] = field(default_factory=list)
