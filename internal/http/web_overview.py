"""The job page's Overview: a fragment at /web/jobs/{id}/overview?group_by=<uploaded column> over the same
FindingsService.overview as GET /api/v1/jobs/{id}/overview, so the page and the API (and its CSV, which the page's
download asks for) never disagree. static/overview.js loads it with the bearer token and reloads it as rows finish."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from internal.domain.lifecycle import TERMINAL_JOB_STATUSES
from internal.http.deps import services
from internal.http.schemas import JobIdPath
from internal.http.web_kit import WebRoutes, templates

routes = WebRoutes()  # a fragment only: the job page's shell is web.py's
fragments, install = routes.fragments, routes.install

# Best and worst products named per group on a grouped overview's line (the whole job names all the API gives).
GROUP_EXTREMES = 3
# The stacked bar's order: good to bad, with mixed between, as the product page draws a product's reviews.
BAR_ORDER = ("positive", "neutral", "mixed", "negative")


@fragments.get("/jobs/{job_id}/overview", response_class=HTMLResponse)
async def overview_fragment(
    request: Request,
    job_id: JobIdPath,
    group_by: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The overview of the whole job, or one per value of `group_by` (an unknown column answers 422 in words)."""
    svc = services(request)
    job = await svc.jobs.get(job_id)  # 404 for an unknown job
    view = await svc.findings.overview(job_id, group_by or None)
    context = {
        "job_id": job_id,
        "header": list(job.header or []),
        "group_by": group_by,
        "view": view,
        "order": BAR_ORDER,
        "extremes": GROUP_EXTREMES,
        "finished": TERMINAL_JOB_STATUSES,
    }
    return templates.TemplateResponse(request, "_overview.html", context)
