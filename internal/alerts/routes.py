"""/api/v1/alerts: subscriptions (create, list, delete) and the alerts sent with every delivery attempt."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from internal.alerts.schemas import AlertList, CreateSubscription, SubscriptionCreated, SubscriptionList
from internal.alerts.service import AlertService
from internal.alerts.subscription_store import Subscription
from internal.http.lookup import provided
from internal.http.schemas import JOB_ID_PATTERN

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
SubscriptionIdPath = Annotated[str, Path(pattern=JOB_ID_PATTERN, description="the id a create answered with")]


def _out(s: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": s.subscription_id,
        "url": s.url,
        "conditions": s.conditions,
        "scope": {"kind": s.scope_kind, "id": s.scope_id},
        "created_at": s.created_at,
    }


@router.post("/subscriptions", status_code=201, response_model=SubscriptionCreated)
async def create_subscription(request: Request, body: CreateSubscription) -> dict[str, Any]:
    """Subscribe a webhook URL to conditions over a scope. The answer carries the signing secret, once."""
    made = await provided(request, AlertService).subscribe(
        url=body.url,
        conditions=list(body.conditions),
        scope_kind=body.scope.kind,
        scope_id=body.scope.id,
        secret=body.secret,
    )
    return {**_out(made), "secret": made.secret}


@router.get("/subscriptions", response_model=SubscriptionList)
async def list_subscriptions(request: Request) -> dict[str, Any]:
    return {"subscriptions": [_out(s) for s in await provided(request, AlertService).subscriptions()]}


@router.delete("/subscriptions/{subscription_id}", status_code=204)
async def delete_subscription(request: Request, subscription_id: SubscriptionIdPath) -> Response:
    """No further alerts; alerts already announced to it that are still being retried are not sent."""
    await provided(request, AlertService).unsubscribe(subscription_id)
    return Response(status_code=204)


@router.get("", response_model=AlertList)
async def list_alerts(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    subscription_id: Annotated[str | None, Query(pattern=JOB_ID_PATTERN)] = None,
) -> dict[str, Any]:
    """The newest alerts, each with its delivery attempts (time, HTTP status or error, the Retry-After it was told)."""
    found = await provided(request, AlertService).alerts(limit=limit, subscription_id=subscription_id)
    return {"alerts": [dataclasses.asdict(a) for a in found]}
