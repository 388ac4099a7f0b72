"""Request and response bodies of the schedule routes (internal/schedules/routes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from internal.http.schemas import JOB_ID_PATTERN, InvalidRow, JobOptions, ProductItem

ScheduleName = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(lambda v: v if "\x00" not in v else _nul())
]


def _nul() -> str:
    raise ValueError("must not contain a NUL character (\\u0000)")


# Schedule ids have the syntax of job ids (a path id outside it names no schedule: 404).
SCHEDULE_ID_PATTERN = JOB_ID_PATTERN


class ScheduleFields(BaseModel):
    """When and what to call it: the multipart form's text fields, and part of the JSON body."""

    model_config = ConfigDict(extra="forbid")

    every: str | None = Field(None, max_length=40, description="an interval: 5s, 90m, 1h, 1h30m, 1d")
    cron: str | None = Field(None, max_length=200, description="a cron expression (UTC), e.g. '0 6 * * *'")
    name: ScheduleName | None = None


class CreateScheduleJson(ScheduleFields):
    products: list[ProductItem] = Field(
        min_length=1, max_length=100_000, description="product ids, or objects with a product_id"
    )
    options: JobOptions = Field(default_factory=JobOptions)


class ScheduleRunOut(BaseModel):
    job_id: str
    status: str
    total_rows: int
    previous_job_id: str | None
    run_workflow_id: str
    # Two runs can share a workflow id (actions in one second): `temporal workflow describe -w … -r <run_id>`.
    run_id: str | None = Field(None, description="the run's Temporal run id; null for runs recorded before 0010")
    created_at: datetime
    finished_at: datetime | None


class ScheduleSummary(BaseModel):
    schedule_id: str
    name: str | None
    every: str | None
    cron: str | None
    # active | paused | deleted as last set through this API (GET /schedules/{id} asks Temporal)
    state: str
    total_rows: int
    created_at: datetime


class ScheduleOut(ScheduleSummary):
    options: dict[str, Any]
    filename: str | None
    deleted_at: datetime | None
    temporal_schedule_id: str
    next_runs: list[datetime]
    running: list[str]
    actions_taken: int
    skipped_overlap: int
    recent_runs: list[ScheduleRunOut]
    links: dict[str, str]


class ScheduleCreated(ScheduleOut):
    invalid_rows: int
    invalid_samples: list[InvalidRow]


class ScheduleList(BaseModel):
    schedules: list[ScheduleSummary]


class ScheduleAction(BaseModel):
    schedule_id: str
    state: str


class ScheduleTriggered(ScheduleAction):
    run_workflow_id: str | None = Field(
        description="the workflow of the run it started; null if Temporal had not started it within the wait"
    )
    job_id: str | None = Field(
        description="the job the run made; null if not made within the wait (no worker running?): "
        "GET /api/v1/schedules/{id} lists it under recent_runs once it is"
    )
    run_id: str | None = Field(None, description="the run's Temporal run id (two runs can share a workflow id)")
