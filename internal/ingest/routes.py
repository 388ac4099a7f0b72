"""/api/v1/reviews (push), /api/v1/dead-letters (list, replay), /api/v1/products/{source}/{product_id}. The use
cases are internal/ingest/service.py; these routes read the body (bounded), parse and answer."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from internal.domain.errors import ServiceError
from internal.domain.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from internal.http.lookup import provided
from internal.ingest.live_store import ProductState
from internal.ingest.schemas import (
    DeadLetterOut,
    DeadLetterPage,
    HistoryPoint,
    ProductOut,
    PushAnswer,
    ReplayAnswer,
    ReplayRequest,
)
from internal.ingest.service import IngestService
from internal.ledger.dead_letters import DeadLetterFilter

router = APIRouter(prefix="/api/v1", tags=["ingest"])

_PUSH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string", "description": "one JSON review per line"}},
        },
    }
}


async def _bounded_body(request: Request, limit: int) -> bytes:
    too_large = ServiceError(
        f"the body is larger than the limit of {limit:,} bytes (INGEST_MAX_BODY_BYTES); send smaller batches",
        status=413,
        code="too_large",
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


@router.post("/reviews", status_code=202, response_model=PushAnswer, openapi_extra=_PUSH_BODY)
async def push_reviews(
    request: Request, source: Annotated[str, Query(description="a name of INGEST_SOURCES")]
) -> PushAnswer:
    """Push a batch of reviews (JSON array, or NDJSON with Content-Type application/x-ndjson). Each is validated;
    new ones are stored, repeats counted as duplicates, invalid ones dead-lettered with their reason:
    received = accepted + duplicates + dead_lettered."""
    svc = provided(request, IngestService)
    svc.check_source(source)
    body = await _bounded_body(request, svc.settings.max_body_bytes)
    svc.verify_signature(source, body, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER))
    outcome = await svc.push(source, body, request.headers.get("content-type", "application/json"))
    r = outcome.receipt
    return PushAnswer(
        batch_id=r.batch_id,
        source=outcome.source,
        received=r.received,
        accepted=r.accepted,
        duplicates=r.duplicates,
        dead_lettered=r.dead_lettered,
        dead_letters=outcome.dead_letters,
    )


@router.get("/dead-letters", response_model=DeadLetterPage)
async def list_dead_letters(
    request: Request,
    source: Annotated[str | None, Query(max_length=200)] = None,
    reason: Annotated[str | None, Query(max_length=100)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: Annotated[int | None, Query(ge=1, description="paging: next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeadLetterPage:
    """Reviews that failed validation, pushed or pulled, newest first."""
    svc = provided(request, IngestService)
    where = DeadLetterFilter(source=source, reason=reason, since=since, until=until)
    items = await svc.list_dead_letters(where, before=before, limit=limit)
    return DeadLetterPage(
        items=[DeadLetterOut(**dataclasses.asdict(d)) for d in items],
        next_before=items[-1].dead_letter_id if len(items) == limit else None,
    )


@router.post("/dead-letters/replay", response_model=ReplayAnswer)
async def replay_dead_letters(request: Request, body: ReplayRequest) -> ReplayAnswer:
    """Validate the matching dead letters again (current rules and source mappings) and move what now passes
    into storage, each exactly once."""
    svc = provided(request, IngestService)
    where = DeadLetterFilter(source=body.source, reason=body.reason, since=body.since, until=body.until, ids=body.ids)
    done = await svc.replay(where, limit=body.limit)
    return ReplayAnswer(**dataclasses.asdict(done))


def product_out(source: str, product_id: str, state: ProductState) -> ProductOut:
    live, job = state.live, state.job
    use_live = live is not None and live["sentiment"] is not None
    if use_live and job is not None and live is not None and job["fetched_at"] > live["updated_at"]:
        use_live = False  # a job finished after the last push: its result is the newer one
    sentiment: dict[str, Any] | None = None
    updated_at, updated_by = None, None
    if use_live and live is not None:
        sentiment, updated_at, updated_by = live["sentiment"], live["updated_at"], "live"
    elif job is not None:
        sentiment, updated_at, updated_by = job["result"], job["fetched_at"], "job"
    sentiment = sentiment or {}
    return ProductOut(
        source=source,
        product_id=product_id,
        sentiment=sentiment or None,
        interval=[sentiment.get("ci95_low"), sentiment.get("ci95_high")],
        review_count=int(sentiment.get("review_count") or 0),
        updated_at=updated_at,
        updated_by=updated_by,
        pending=live is not None and live["generation"] > live["published"],
        reviews_from={"push": state.origins.get("push", 0), "jobs": state.origins.get("jobs", 0)},
        history=[
            HistoryPoint(
                history_id=h["history_id"],
                recorded_at=h["recorded_at"],
                origin=h["origin"],
                job_id=h["job_id"],
                review_count=h["review_count"],
                mean_sentiment=h["mean_sentiment"],
                score_5=h["score_5"],
                interval=[h["ci95_low"], h["ci95_high"]],
                label=h["label"],
                aspects=h["aspects"],
            )
            for h in state.history
        ],
        findings=None if state.findings is None else {**state.findings["findings"], **_counted(state.findings)},
    )


def _counted(row: dict[str, Any]) -> dict[str, Any]:
    return {"review_count": row["review_count"], "computed_at": row["computed_at"]}


@router.get("/products/{source}/{product_id}", response_model=ProductOut)
async def product(request: Request, source: str, product_id: str) -> ProductOut:
    """A product's current sentiment (from pushed reviews or its latest job), its interval, review count, where
    its reviews came from, and its history: every change with its interval and review count."""
    svc = provided(request, IngestService)
    return product_out(source, product_id, await svc.product(source, product_id))
