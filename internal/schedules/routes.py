"""/api/v1/schedules: create (CSV upload or product list, `every` or `cron`, job options), list, show, pause,
resume, trigger, delete. The use cases are internal/schedules/service.py; these routes parse and answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError

from internal.domain.errors import validation_error
from internal.http.bodies import create_body_schema, parse_json, product_dict, read_create_body
from internal.http.lookup import provided
from internal.schedules.schemas import (
    SCHEDULE_ID_PATTERN,
    CreateScheduleJson,
    ScheduleAction,
    ScheduleCreated,
    ScheduleFields,
    ScheduleList,
    ScheduleOut,
    ScheduleRunOut,
    ScheduleSummary,
    ScheduleTriggered,
)
from internal.schedules.service import TRIGGER_WAIT_SECONDS, ScheduleService, ScheduleView
from internal.schedules.spec import format_every
from internal.schedules.store import Schedule
from internal.schedules.workflow import schedule_temporal_id

router = APIRouter(prefix="/api/v1", tags=["schedules"])
ScheduleIdPath = Annotated[str, Path(pattern=SCHEDULE_ID_PATTERN, description="the id a create answered with")]

_CREATE_BODY = create_body_schema(
    "CreateScheduleJson",
    every="an interval: 5s, 90m, 1h, 1h30m, 1d",
    cron="a cron expression (UTC)",
    name="a name to know it by",
)


def _form_fields(fields: dict[str, str]) -> ScheduleFields:
    try:
        return ScheduleFields.model_validate({k: v for k, v in fields.items() if v.strip()})
    except ValidationError as err:
        raise validation_error("invalid_request", "invalid form field", err) from None


def _summary(s: Schedule) -> dict[str, Any]:
    return {
        "schedule_id": s.schedule_id,
        "name": s.name,
        "every": None if s.every_seconds is None else format_every(s.every_seconds),
        "cron": s.cron,
        "state": s.status,
        "total_rows": s.total_rows,
        "created_at": s.created_at,
    }


def _out(view: ScheduleView) -> dict[str, Any]:
    s = view.schedule
    base = f"/api/v1/schedules/{s.schedule_id}"
    return {
        **_summary(s),
        "state": view.state,
        "options": s.options,
        "filename": s.filename,
        "deleted_at": s.deleted_at,
        "temporal_schedule_id": view.temporal_id,
        "next_runs": view.next_runs,
        "running": view.running,
        "actions_taken": view.actions_taken,
        "skipped_overlap": view.skipped_overlap,
        "recent_runs": [
            ScheduleRunOut(
                job_id=r.job_id,
                status=r.job_status,
                total_rows=r.total_rows,
                previous_job_id=r.previous_job_id,
                run_workflow_id=r.run_key,
                run_id=r.run_id or None,
                created_at=r.created_at,
                finished_at=r.finished_at,
            )
            for r in view.runs
        ],
        "links": {"self": base, "pause": f"{base}/pause", "resume": f"{base}/resume", "trigger": f"{base}/trigger"},
    }


@router.post(
    "/schedules",
    status_code=201,
    response_model=ScheduleCreated,
    openapi_extra=_CREATE_BODY,
    summary="Create a schedule: a CSV upload (multipart 'file') or a JSON product list, run every interval or cron",
    responses={503: {"description": "Temporal could not be reached: nothing was created"}},
)
async def create_schedule(request: Request) -> ScheduleCreated:
    schedules = provided(request, ScheduleService)
    body = await read_create_body(request, schedules.settings)
    if body.stream is not None:
        fields = _form_fields(body.fields)
        created = await schedules.create_from_csv(
            body.stream,
            every=fields.every,
            cron=fields.cron,
            name=fields.name,
            options=body.options.as_dict(),
            filename=body.filename,
        )
    else:
        assert body.json is not None
        parsed = parse_json(CreateScheduleJson, body.json)
        created = await schedules.create_from_products(
            [product_dict(p) for p in parsed.products],
            every=parsed.every,
            cron=parsed.cron,
            options=parsed.options.as_dict(),
            name=parsed.name,
        )
    schedule = created.schedule
    view = ScheduleView(schedule, schedule.status, schedule_temporal_id(schedule.schedule_id), created.next_runs)
    return ScheduleCreated(**_out(view), invalid_rows=created.invalid_rows, invalid_samples=created.invalid_sample)


@router.get("/schedules", response_model=ScheduleList, summary="List schedules, newest first (deleted ones left out)")
async def list_schedules(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> ScheduleList:
    found = await provided(request, ScheduleService).list(limit=limit)
    return ScheduleList(schedules=[ScheduleSummary(**_summary(s)) for s in found])


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut, summary="A schedule, its next runs and its jobs")
async def get_schedule(request: Request, schedule_id: ScheduleIdPath) -> ScheduleOut:
    return ScheduleOut(**_out(await provided(request, ScheduleService).get(schedule_id)))


@router.delete(
    "/schedules/{schedule_id}",
    response_model=ScheduleAction,
    summary="Delete a schedule (no further runs; the jobs it made stay)",
)
async def delete_schedule(request: Request, schedule_id: ScheduleIdPath) -> ScheduleAction:
    return ScheduleAction(schedule_id=schedule_id, state=await provided(request, ScheduleService).delete(schedule_id))


@router.post("/schedules/{schedule_id}/pause", status_code=202, response_model=ScheduleAction, summary="Pause")
async def pause_schedule(request: Request, schedule_id: ScheduleIdPath) -> ScheduleAction:
    return ScheduleAction(schedule_id=schedule_id, state=await provided(request, ScheduleService).pause(schedule_id))


@router.post("/schedules/{schedule_id}/resume", status_code=202, response_model=ScheduleAction, summary="Resume")
async def resume_schedule(request: Request, schedule_id: ScheduleIdPath) -> ScheduleAction:
    return ScheduleAction(schedule_id=schedule_id, state=await provided(request, ScheduleService).resume(schedule_id))


@router.post(
    "/schedules/{schedule_id}/trigger",
    status_code=202,
    response_model=ScheduleTriggered,
    summary="Start a run now; answers with the run's workflow id and the job it made "
    f"(waiting up to {TRIGGER_WAIT_SECONDS:.0f} s for them)",
)
async def trigger_schedule(request: Request, schedule_id: ScheduleIdPath) -> ScheduleTriggered:
    run = await provided(request, ScheduleService).trigger(schedule_id)
    return ScheduleTriggered(
        schedule_id=schedule_id,
        state=run.state,
        run_workflow_id=run.run_workflow_id,
        job_id=run.job_id,
        run_id=run.run_id,
    )
