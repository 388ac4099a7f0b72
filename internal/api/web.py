"""The web page: HTML shells at / and /jobs/{id}, and the fragments their JavaScript fetches.

The shells hold no data, so they need no token; every fragment sits behind the same bearer check as /api/v1
(the page keeps the token in sessionStorage and sends it as a header, so it never lands in a URL or a log)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from internal.api.deps import JobIdPath, services
from internal.api.export import result_cells
from internal.api.histogram import histogram
from internal.api.views import progress_out
from internal.domain.options import SCORER_NAMES
from internal.state.models import JOB_TRANSITIONS, TERMINAL_JOB_STATUSES, RowState, RowStatus

_env = Environment(loader=PackageLoader("internal.api", "templates"), autoescape=select_autoescape(["html", "svg"]))
templates = Jinja2Templates(env=_env)

pages = APIRouter(include_in_schema=False)
fragments = APIRouter(prefix="/web", include_in_schema=False)

PAGE_SIZE = 50
# Filtering and sorting read the job's rows through the same keyset pages as /results; past this many rows the
# table says it covers only the first ones rather than making one page view read a million rows.
SCAN_LIMIT = 20_000
_LIST_JOBS = 30
_FINISHED = ("completed", "failed", "cancelled")


def install(app: FastAPI, auth: Sequence[Depends]) -> None:
    app.include_router(pages)
    app.include_router(fragments, dependencies=list(auth))
    app.mount("/static", StaticFiles(packages=[("internal.api", "static")]), name="static")


@pages.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    svc = services(request)
    return templates.TemplateResponse(
        request,
        "index.html",
        {"scorers": SCORER_NAMES, "needs_token": svc.settings.api_token is not None},
    )


@pages.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: JobIdPath) -> HTMLResponse:
    settings = services(request).settings
    return templates.TemplateResponse(
        request,
        "job.html",
        {
            "job_id": job_id,
            "needs_token": settings.api_token is not None,
            "temporal_ui": settings.temporal_ui,
            "namespace": settings.temporal_namespace,
            "statuses": get_args(RowStatus),
            # Which job statuses each button works from: the state machine's own table, not a copy in JS.
            "actions": json.dumps(
                {
                    "pause": JOB_TRANSITIONS["paused"],
                    "resume": ("paused",),
                    "cancel": JOB_TRANSITIONS["cancelling"],
                    # POST /retry-failed: a finished job with failed rows (internal/service/retry.py).
                    "retry-failed": TERMINAL_JOB_STATUSES,
                }
            ),
        },
    )


@fragments.get("/jobs", response_class=HTMLResponse)
async def jobs_fragment(request: Request) -> HTMLResponse:
    svc = services(request)
    listed = await svc.jobs.list_jobs(limit=_LIST_JOBS, status=None, before=None)
    rows = [(job, progress_out(await svc.jobs.progress(job.job_id))) for job in listed]
    return templates.TemplateResponse(request, "_jobs.html", {"rows": rows})


StatusFilter = Literal["", RowStatus]


async def _scan(request: Request, job_id: str) -> tuple[list[RowState], bool]:
    svc = services(request)
    await svc.jobs.get(job_id)  # 404 for an unknown job
    rows: list[RowState] = []
    after = 0
    while len(rows) < SCAN_LIMIT:
        page = await svc.jobs.results(job_id, after=after, limit=1000)
        rows.extend(page)
        if len(page) < 1000:
            return rows, False
        after = page[-1].row_num
    return rows[:SCAN_LIMIT], True


def _view(row: RowState) -> dict[str, Any]:
    cells = result_cells(row)
    return {
        **cells,
        "row": row.row_num,
        "product_id": row.product_id,
        "product_name": cells["product_name"] or row.name,
        "product_url": cells["product_url"] or row.url,
    }


@fragments.get("/jobs/{job_id}/results", response_class=HTMLResponse)
async def results_fragment(
    request: Request,
    job_id: JobIdPath,
    status: Annotated[StatusFilter, Query()] = "",
    sort: Annotated[Literal["row", "score_desc", "score_asc"], Query()] = "row",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    rows, truncated = await _scan(request, job_id)
    views = [_view(r) for r in rows if not status or r.status == status]
    if sort != "row":
        scored = [v for v in views if v["score_5"] is not None]
        scored.sort(key=lambda v: v["score_5"], reverse=sort == "score_desc")
        views = scored + [v for v in views if v["score_5"] is None]
    pages_total = max(1, -(-len(views) // PAGE_SIZE))
    shown = views[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    context = {"rows": shown, "page": page, "pages": pages_total, "matched": len(views), "truncated": truncated,
               "scan_limit": SCAN_LIMIT, "sort": sort, "status": status}  # fmt: skip
    return templates.TemplateResponse(request, "_results.html", context)


@fragments.get("/jobs/{job_id}/histogram.svg")
async def histogram_fragment(request: Request, job_id: JobIdPath) -> Response:
    rows, truncated = await _scan(request, job_id)
    scores = [s for s in (result_cells(r)["score_5"] for r in rows) if s is not None]
    body = templates.get_template("_histogram.svg").render(hist=histogram(scores), truncated=truncated)
    return Response(body, media_type="image/svg+xml")
