"""A job's event log: what happened to it and why (created, started, paused, intake cut off by a crash, …)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from internal.http.lookup import provided
from internal.jobs.service import JobService

router = APIRouter(prefix="/api/v1", tags=["jobs"])


class EventOut(BaseModel):
    event_id: int
    row: int | None
    kind: str
    details: dict[str, Any]
    at: datetime


class EventList(BaseModel):
    events: list[EventOut]
    # Pass as `after` for the next page; None when this page was the last.
    next_after: int | None


@router.get("/jobs/{job_id}/events", response_model=EventList, summary="The job's events, oldest first")
async def list_events(
    request: Request,
    job_id: str,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventList:
    events = await provided(request, JobService).events(job_id, after=after, limit=limit)
    return EventList(
        events=[
            EventOut(event_id=e.event_id, row=e.row_num, kind=e.kind, details=e.details, at=e.created_at)
            for e in events
        ],
        next_after=events[-1].event_id if len(events) == limit else None,
    )
