"""The schedules page: a shell at /schedules and the fragment its JavaScript reloads, over the same ScheduleService
the /api/v1/schedules routes call (creating and acting on a schedule go through those routes from the page)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from internal.http.deps import services
from internal.http.web_kit import WebRoutes, shell, templates
from internal.schedules.spec import format_every

routes = WebRoutes()
pages, fragments, install = routes.pages, routes.fragments, routes.install

# Schedules shown on the page (newest first); each one also asks Temporal for its next runs.
_LIST_SCHEDULES = 30


@pages.get("/schedules", response_class=HTMLResponse)
async def schedules_page(request: Request) -> HTMLResponse:
    return shell(request, "schedules.html", chain=services(request).settings.scorers_in_chain)


@fragments.get("/schedules", response_class=HTMLResponse)
async def schedules_fragment(request: Request) -> HTMLResponse:
    schedules = services(request).schedules
    views = [await schedules.get(s.schedule_id) for s in await schedules.list(limit=_LIST_SCHEDULES)]
    return templates.TemplateResponse(request, "_schedules.html", {"views": views, "every": format_every})
