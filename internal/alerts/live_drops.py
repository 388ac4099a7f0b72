"""sentiment_drop alerts from pushed reviews (docs/alerts.md): the live sentiment refresh
(internal/ingest/activities.py) asks, for each product it is about to publish, whether the new sentiment dropped
significantly from the product's previous published point (its latest `product_sentiment_history` row), by the
same rule as a job's end (internal/domain/sentiment_drop.py), and alerts the subscriptions that cover the product.

Called inside the refresh activity, before the publish: no workflow, signal or activity more. The alert id is
stable per (subscription, product, previous history row), so a retried refresh (a worker SIGKILLed before or after
the alert was stored, or a push that bumped the generation meanwhile) finds the same alert and the same delivery
workflow, and a drop from one published point alerts each subscription once. After the publish, the next drop is
measured from the new point.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from internal.alerts.alert_store import NewAlert
from internal.alerts.announce import POINT_FIELDS, alert_id, quoted_reviews
from internal.alerts.announce_store import NewReview as NewReview  # what the ingest family hands us
from internal.alerts.delivery_start import start_delivery
from internal.alerts.stores import AlertStores
from internal.alerts.subscription_store import Subscription
from internal.domain.reuse import score_change
from internal.domain.sentiment_drop import DropVerdict, SentimentPoint, sentiment_dropped
from internal.platform.alert_settings import AlertSettings

# Reads the reviews new since the previous point, most negative first: called only when enough of them could fire.
NewReviews = Callable[[], Awaitable[list[NewReview]]]
# The subscriptions a refresh batch checks for: opaque to the caller, which only hands them back.
Watching = list[Subscription]


@dataclass(frozen=True, slots=True)
class LiveChange:
    """A product's sentiment about to be published for `generation`, beside its previous published point."""

    source: str
    product_id: str
    generation: int
    # The latest history row: history_id, origin, generation, job_id, recorded_at and the POINT_FIELDS.
    previous: dict[str, Any]
    current: dict[str, Any]  # the new ProductSentiment as a dict (mean_sentiment, ci95_low, …)


class LiveDropAlerts:
    def __init__(self, stores: AlertStores, settings: AlertSettings) -> None:
        self._stores, self._settings = stores, settings

    async def watching(self) -> Watching:
        """The subscriptions that want sentiment drops: read once per refresh batch; none means no check at all."""
        return [s for s in await self._stores.subscriptions.active() if "sentiment_drop" in s.conditions]

    async def announce(self, watching: Watching, change: LiveChange, new_reviews: NewReviews) -> list[str]:
        """Store and start a sentiment_drop alert per watching subscription that covers the product, when the drop
        is significant; the alert ids."""
        previous = SentimentPoint.from_result(change.previous)
        current = SentimentPoint.from_result(change.current)
        # Reading the new reviews costs a query: first ask whether enough of them could make it fire.
        if not watching or not sentiment_dropped(previous, current, new_reviews=1 << 30).dropped:
            return []
        new = await new_reviews()
        verdict = sentiment_dropped(previous, current, new_reviews=len(new))
        if not verdict.dropped:
            return []
        made = []
        for sub in watching:
            if not await self._covers(sub, change.product_id):
                continue
            since = str(change.previous["history_id"])
            aid = alert_id(sub.subscription_id, "sentiment_drop", "live", change.source, change.product_id, since)
            payload = self.payload(sub, aid, change, verdict, new)
            alert = NewAlert(
                aid, sub.subscription_id, "sentiment_drop", payload, source=change.source, product_id=change.product_id
            )
            await self._stores.alerts.add(alert)
            await start_delivery(aid, self._settings)
            made.append(aid)
        return made

    async def _covers(self, sub: Subscription, product_id: str) -> bool:
        """all; a schedule one of whose runs had the product; a job that had it."""
        if sub.scope_kind == "all":
            return True
        announce = self._stores.announce
        if sub.scope_kind == "schedule":
            return await announce.schedule_has_product(str(sub.scope_id), product_id)
        return await announce.has_product(str(sub.scope_id), product_id)

    def payload(
        self, sub: Subscription, aid: str, change: LiveChange, verdict: DropVerdict, new: list[NewReview]
    ) -> dict[str, Any]:
        """Like a job's drop alert (internal/alerts/announce.py drop_payload), with the points' generations instead
        of jobs: `from` says where the previous point came from (pushed reviews or a job)."""
        prev, s = change.previous, self._settings
        recorded = prev.get("recorded_at")
        return {
            "alert_id": aid,
            "kind": "sentiment_drop",
            "origin": "push",
            "subscription_id": sub.subscription_id,
            "job_id": None,
            "schedule_id": None,
            "product": {"source": change.source, "product_id": change.product_id, "name": None},
            "change": {
                "from": {
                    **{k: _plain(prev.get(k)) for k in POINT_FIELDS},
                    "origin": prev.get("origin"),
                    "generation": prev.get("generation"),
                    "job_id": prev.get("job_id"),
                    "recorded_at": None if recorded is None else recorded.isoformat(),
                },
                "to": {**{k: change.current.get(k) for k in POINT_FIELDS}, "generation": change.generation},
                "mean_change": verdict.change,
                "score_change": score_change(prev, change.current),
                "rule": verdict.reason,
            },
            "new_reviews": quoted_reviews(new, quotes=s.quotes, quote_chars=s.quote_chars),
            "links": {"product": f"/api/v1/products/{change.source}/{change.product_id}"},
        }


def _plain(value: Any) -> Any:
    """A history row's number as a result states it: the table keeps reals, whose float32 noise (0.8360000252…)
    is no part of the value."""
    return round(value, 4) if isinstance(value, float) else value
