"""The schedules page: a shell at /schedules and the fragment its JavaScript reloads, over the same ScheduleService
the /api/v1/schedules routes call (creating and acting on a schedule go through those routes from the page)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse

from internal.http.deps import services
from internal.http.web import templates
from internal.schedules.spec import format_every

pages = APIRouter(include_in_schema=False)
fragments = APIRouter(prefix="/web", include_in_schema=False)

# Schedules shown on the page (newest first); each one also asks Temporal for its next runs.
_LIST_SCHEDULES = 30


def install(app: FastAPI, auth: Sequence[Depends]) -> None:
    """The shell needs no token (it holds no data); the fragment sits behind the same check as /api/v1."""
    app.include_router(pages)
    app.include_router(fragments, dependencies=list(auth))


@pages.get("/schedules", response_class=HTMLResponse)
async def schedules_page(request: Request) -> HTMLResponse:
    settings = services(request).settings
    return templates.TemplateResponse(
        request, "schedules.html", {"needs_token": settings.api_token is not None, "chain": settings.scorers_in_chain}
    )


@fragments.get("/schedules", response_class=HTMLResponse)
async def schedules_fragment(request: Request) -> HTMLResponse:
    schedules = services(request).schedules
    views = [await schedules.get(s.schedule_id) for s in await schedules.list(limit=_LIST_SCHEDULES)]
    return templates.TemplateResponse(request, "_schedules.html", {"views": views, "every": format_every})
