"""A product's sentiment history page: a shell at /products/{source}/{product_id} and the fragment its JavaScript
loads (the current sentiment, a chart of every change with its interval, the history table, and what changed
between two points: the reviews that arrived in between and the aspects that moved). Read over the same
IngestService as GET /api/v1/products/{source}/{product_id}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from internal.domain.errors import ServiceError
from internal.http.deps import services
from internal.http.history_chart import chart
from internal.http.web import axis
from internal.http.web_kit import WebRoutes, shell, templates
from internal.ingest.routes import product_out

routes = WebRoutes()
pages, fragments, install = routes.pages, routes.fragments, routes.install

# Reviews "what changed" lists at most (it says how many arrived in all).
ARRIVED_SHOWN = 100
# `a` of "from the start" (history ids start at 1).
START = 0


class NoSuchPoint(ServiceError):
    status = 422
    code = "no_such_history_point"


@pages.get("/products/{source}/{product_id}", response_class=HTMLResponse)
async def product_history_page(request: Request, source: str, product_id: str) -> HTMLResponse:
    return shell(request, "product_history.html", source=source, product_id=product_id)


def pick(history: list[dict[str, Any]], a: int | None, b: int | None) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The two points to compare, older first: the ones asked for (a=0: from the start), else the last two (a
    single point compares with the start). Asking for a point this product does not have is refused, by name."""
    by_id = {int(h["history_id"]): h for h in history}
    for asked in (a, b):
        if asked not in (None, START) and asked not in by_id:
            raise NoSuchPoint(f"this product has no history point {asked}", details={"history_id": asked})
    if b == START:
        raise NoSuchPoint("b is the later point: 0 (the start) can only be a", details={"history_id": b})
    first = by_id.get(a) if a is not None else (history[-2] if len(history) > 1 else None)
    second = by_id[b] if b is not None else history[-1]
    if first is not None and first["history_id"] > second["history_id"]:
        first, second = second, first
    if first is not None and first["history_id"] == second["history_id"]:
        first = None
    return first, second


async def _aspects_of(request: Request, point: dict[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """The aspects a history point was published with, by name: those it kept (migration 0011; pushed or job),
    else, for a job's point recorded before, its row's findings; None when it has none of either."""
    if point is None:
        return None
    if point["aspects"] is not None:
        return {a["name"]: a for a in point["aspects"]}
    if point["job_id"] is None or point["row_num"] is None:
        return None
    found = await services(request).state.findings.rows_findings(point["job_id"], [point["row_num"]])
    findings = found.get(int(point["row_num"]))
    if not findings or not findings.get("aspects"):
        return None
    return {a["name"]: a for a in findings["aspects"]}


async def _aspects(
    request: Request, latest: dict[str, Any] | None, first: dict[str, Any] | None, second: dict[str, Any]
) -> dict[str, Any] | None:
    """The aspects that moved between the two points when both kept theirs; else (points recorded before history
    kept aspects) the product's `latest` aspects, its last job's or the live refresh's."""
    before, after = await _aspects_of(request, first), await _aspects_of(request, second)
    if first is None and after is not None:
        before = {}  # from the start: every aspect of the second point is new
    if before is not None and after is not None:
        moved = [
            {"name": n, "before": before.get(n), "after": after.get(n)}
            for n in sorted(before.keys() | after)
            if _moved(before.get(n), after.get(n))
        ]
        return {"compared": True, "rows": moved}
    if latest is None or not latest["findings"].get("aspects"):
        return None
    rows = [{"name": a["name"], "before": None, "after": a} for a in latest["findings"]["aspects"]]
    return {"compared": False, "rows": rows, "computed_at": latest["computed_at"], "reviews": latest["review_count"]}


def _moved(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    if before is None or after is None:
        return True
    return bool(before["mentions"] != after["mentions"] or before["mean_sentiment"] != after["mean_sentiment"])


@fragments.get("/products/{source}/{product_id}", response_class=HTMLResponse)
async def product_history_fragment(
    request: Request,
    source: str,
    product_id: str,
    a: Annotated[int | None, Query(description="the earlier history point (history_id; 0: the start)")] = None,
    b: Annotated[int | None, Query(description="the later history point (history_id)")] = None,
) -> HTMLResponse:
    svc = services(request)
    state = await svc.ingest.product(source, product_id)  # ProductNotKnown: 404, said on the page
    out = product_out(source, product_id, state)
    context: dict[str, Any] = {"p": out, "history": state.history, "axis": axis}
    if state.history:
        first, second = pick(state.history, a, b)
        after = None if first is None else first["recorded_at"]
        total, arrived = await svc.state.live.arrived_between(
            source, product_id, after, second["recorded_at"], limit=ARRIVED_SHOWN
        )
        context |= {
            "chart": chart(state.history),
            "first": first,
            "second": second,
            "arrived": arrived,
            "arrived_total": total,
            "aspects": await _aspects(request, state.findings, first, second),
        }
    return templates.TemplateResponse(request, "_product_history.html", context)
