"""The alert use cases the routes call: subscribe, list, unsubscribe, and the alerts with their attempts."""

from __future__ import annotations

import secrets
import uuid

from internal.alerts.alert_store import AlertRecord
from internal.alerts.stores import AlertStores
from internal.alerts.subscription_store import Subscription
from internal.domain.errors import ServiceError


class SubscriptionNotFound(ServiceError):
    status, code = 404, "subscription_not_found"

    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"alert subscription {subscription_id!r} not found")


class AlertService:
    def __init__(self, stores: AlertStores) -> None:
        self._stores = stores

    async def subscribe(
        self, *, url: str, conditions: list[str], scope_kind: str, scope_id: str | None, secret: str | None
    ) -> Subscription:
        """A new subscription (with a generated secret unless one is given). A scope naming a job or schedule that
        does not exist is refused: it could never match."""
        if scope_id is not None and not await self._stores.subscriptions.scope_exists(scope_kind, scope_id):
            problem = {"field": "scope.id", "message": f"no {scope_kind} {scope_id!r}"}
            raise ServiceError(
                f"invalid subscription — scope.id: no {scope_kind} {scope_id!r}",
                status=422,
                code="invalid_request",
                details=[problem],
            )
        return await self._stores.subscriptions.create(
            uuid.uuid4().hex[:16],
            url,
            secret or secrets.token_hex(32),
            scope_kind,
            scope_id,
            sorted(set(conditions)),
        )

    async def subscriptions(self) -> list[Subscription]:
        return await self._stores.subscriptions.active()

    async def unsubscribe(self, subscription_id: str) -> None:
        if not await self._stores.subscriptions.delete(subscription_id):
            raise SubscriptionNotFound(subscription_id)

    async def alerts(self, *, limit: int, subscription_id: str | None = None) -> list[AlertRecord]:
        return await self._stores.alerts.recent(limit=limit, subscription_id=subscription_id)
