"""The web page: HTML shells at /, /jobs/{id} and /jobs/{id}/products/{row}, and the fragments their JavaScript
fetches.

Shells need no token and fragments sit behind the API's bearer check (internal/http/web_kit.py says why)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

from fastapi import FastAPI, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from internal.adapters.sources.demo import DemoSource
from internal.domain.lifecycle import ACTION_FROM, TERMINAL_JOB_STATUSES, RowStatus
from internal.domain.options import SCORER_NAMES, SOURCE_NAMES
from internal.http.deps import services
from internal.http.histogram import histogram
from internal.http.schemas import JobIdPath, ProgressOut, RowPath
from internal.http.web_kit import WebRoutes, shell, templates
from internal.jobs.export import result_cells
from internal.ledger.records import RowState

routes = WebRoutes()
pages, fragments = routes.pages, routes.fragments

PAGE_SIZE = 50
# Reviews a product page shows at a time.
REVIEWS_PAGE = 10
# Filtering and sorting read the job's rows through the same keyset pages as /results; past this many rows the
# table says it covers only the first ones rather than making one page view read a million rows.
SCAN_LIMIT = 20_000
_LIST_JOBS = 30
# The offline generator whose reviews are invented: everything it produced is marked as such on the page.
DEMO_SOURCE = DemoSource.name


def install(app: FastAPI, auth: Sequence[Depends]) -> None:
    routes.install(app, auth)
    app.mount("/static", StaticFiles(packages=[("internal.http", "static")]), name="static")


# How to configure what this service has not: shown next to what the upload form offers (docs/scorers.md and
# docs/sources.md have the whole story). Restarting the worker and the API with the variables set adds it.
_HOW_TO_ADD: dict[str, str] = {
    "comprehend": "comprehend (AWS_REGION and AWS credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a role)",
    "gemini": "gemini (GEMINI_API_KEY)",
    "walmart": "walmart (WM_CONSUMER_ID, WM_PRIVATE_KEY_PATH)",
    "http": "http (REVIEWS_HTTP_URL, REVIEWS_HTTP_MAPPING)",
    "file": "file (REVIEWS_FILE)",
}


@pages.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    settings = services(request).settings
    configured = settings.configured_sources
    return shell(
        request,
        "index.html",
        # Cheapest first, as a chain is written; only what a job here can use (else it is refused with 422).
        scorers=[s for s in SCORER_NAMES if s in settings.configured_scorers],
        default_chain=settings.scorers_in_chain,
        missing_scorers=[_HOW_TO_ADD[s] for s in SCORER_NAMES if s not in settings.configured_scorers],
        # The service's default source first: what a job gets when nobody changes it.
        sources=[settings.review_source, *(s for s in configured if s != settings.review_source)],
        missing_sources=[_HOW_TO_ADD[s] for s in SOURCE_NAMES if s not in configured],
        demo_source=DEMO_SOURCE,
    )


@pages.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: JobIdPath) -> HTMLResponse:
    settings = services(request).settings
    return shell(
        request,
        "job.html",
        job_id=job_id,
        temporal_ui=settings.temporal_ui,
        namespace=settings.temporal_namespace,
        statuses=get_args(RowStatus),
        demo_source=DEMO_SOURCE,
        # Which job statuses each button works from, and which ones are final: the lifecycle's own tables
        # (internal/domain/lifecycle.py), not a copy in JS.
        actions=json.dumps(ACTION_FROM),
        finished=json.dumps(TERMINAL_JOB_STATUSES),
    )


@pages.get("/jobs/{job_id}/products/{row}", response_class=HTMLResponse)
async def product_page(request: Request, job_id: JobIdPath, row: RowPath) -> HTMLResponse:
    return shell(request, "product.html", job_id=job_id, row=row)


@fragments.get("/jobs/{job_id}/products/{row}", response_class=HTMLResponse)
async def product_fragment(
    request: Request,
    job_id: JobIdPath,
    row: RowPath,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> HTMLResponse:
    """Why one product scored as it did (the same service as GET /api/v1/jobs/{id}/products/{row})."""
    product = await services(request).findings.product(job_id, row, offset=offset, limit=REVIEWS_PAGE)
    return templates.TemplateResponse(request, "_product.html", {"p": product, "axis": axis})


def axis(value: float | None) -> float:
    """A sentiment (-1..1) as a percentage across a drawn axis: what the score and aspect intervals are drawn on."""
    return 50.0 if value is None else round(50.0 * (max(-1.0, min(1.0, value)) + 1.0), 2)


def share_ran(p: ProgressOut) -> float:
    """Percent of the rows that ran (finished, and not by being cancelled): what a cancelled job's bar shows, so that
    it does not look like a complete one. app.js computes the same for the job page from the same counts."""
    ran = p.total - p.cancelled - p.pending - p.running
    return 100.0 if p.total == 0 else round(100.0 * ran / p.total, 2)


@fragments.get("/jobs", response_class=HTMLResponse)
async def jobs_fragment(request: Request) -> HTMLResponse:
    svc = services(request)
    listed = await svc.jobs.list_jobs(limit=_LIST_JOBS, status=None, before=None)
    rows = [(job, ProgressOut.model_validate(await svc.enricher.get_progress(job.job_id))) for job in listed]
    return templates.TemplateResponse(request, "_jobs.html", {"rows": rows, "share_ran": share_ran})


StatusFilter = Literal["", RowStatus]


async def _scan(request: Request, job_id: str) -> tuple[list[RowState], bool]:
    svc = services(request)
    await svc.jobs.get(job_id)  # 404 for an unknown job
    rows: list[RowState] = []
    after = 0
    while len(rows) < SCAN_LIMIT:
        page = await svc.jobs.results(job_id, after=after, limit=1000, findings=False)
        rows.extend(page)
        if len(page) < 1000:
            return rows, False
        after = page[-1].row_num
    return rows[:SCAN_LIMIT], True


def reviews_shown(count: int | None, available: object) -> str:
    """ "60 of 400" when the source reports more reviews than were scored, else the count (— for none)."""
    if count is None:
        return "—"
    if isinstance(available, int) and not isinstance(available, bool) and available > count:
        return f"{count} of {available}"
    return str(count)


def row_view(row: RowState) -> dict[str, Any]:
    cells = result_cells(row)
    result = row.result or {}
    source_name = cells["product_name"]
    return {
        **cells,
        "row": row.row_num,
        "product_id": row.product_id,
        # The name column of the user's own CSV first; the source's name for the product beside it.
        "own_name": row.name or None,
        "source_name": source_name if source_name and source_name != row.name else None,
        "product_url": cells["product_url"] or row.url,
        "reviews": reviews_shown(cells["review_count"], result.get("reviews_available")),
        "demo": result.get("source") == DEMO_SOURCE,
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
    views = [row_view(r) for r in rows if not status or r.status == status]
    if sort != "row":
        scored = [v for v in views if v["score_5"] is not None]
        scored.sort(key=lambda v: v["score_5"], reverse=sort == "score_desc")
        views = scored + [v for v in views if v["score_5"] is None]
    pages_total = max(1, -(-len(views) // PAGE_SIZE))
    shown = views[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    context = {"job_id": job_id, "rows": shown, "page": page, "pages": pages_total, "matched": len(views),
               "truncated": truncated, "scan_limit": SCAN_LIMIT, "sort": sort, "status": status}  # fmt: skip
    return templates.TemplateResponse(request, "_results.html", context)


@fragments.get("/jobs/{job_id}/histogram.svg")
async def histogram_fragment(request: Request, job_id: JobIdPath) -> Response:
    rows, truncated = await _scan(request, job_id)
    scores = [s for s in (result_cells(r)["score_5"] for r in rows) if s is not None]
    body = templates.get_template("_histogram.svg").render(hist=histogram(scores), truncated=truncated)
    return Response(body, media_type="image/svg+xml")
