"""/api/v1 routes that say why: one product's evidence, and the job's overview (findings_service.py)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from internal.enrichment.findings_service import FindingsService
from internal.enrichment.schemas_findings import OverviewOut, ProductOut
from internal.http.lookup import provided
from internal.http.schemas import JobIdPath, RowPath

router = APIRouter(prefix="/api/v1", tags=["findings"])


@router.get(
    "/jobs/{job_id}/products/{row}",
    response_model=ProductOut,
    summary="One product: score and interval, labels, aspects, quotes, evidence, its reviews (paged), and why",
)
async def get_product(
    request: Request,
    job_id: JobIdPath,
    row: RowPath,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="reviews to skip (in review-id order)")] = 0,
    limit: Annotated[int, Query(ge=1, le=200, description="reviews in this page")] = 20,
) -> dict[str, Any]:
    return await provided(request, FindingsService).product(job_id, row, offset=offset, limit=limit)


@router.get(
    "/jobs/{job_id}/overview",
    response_model=OverviewOut,
    summary="Share of positive / neutral / negative products, best and worst, aspects across the job; "
    "?group_by=<uploaded column> per value; ?format=csv as a download",
    responses={200: {"content": {"text/csv": {}}}},
)
async def get_overview(
    request: Request,
    job_id: JobIdPath,
    group_by: Annotated[str | None, Query(max_length=200, description="an uploaded column, e.g. category")] = None,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    service = provided(request, FindingsService)
    if format == "csv":
        # Built before the response starts, so an unknown job or column still answers 404 / 422.
        body = [chunk async for chunk in service.overview_csv(job_id, group_by)]
        suffix = f"-by-{re.sub(r'[^A-Za-z0-9_-]', '_', group_by)}" if group_by else ""
        return StreamingResponse(
            iter(body),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="overview-{job_id}{suffix}.csv"'},
        )
    return await service.overview(job_id, group_by)
