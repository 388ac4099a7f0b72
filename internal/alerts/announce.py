"""Which subscriptions an event reaches, the alert ids, and what each alert says. Pure: the announce activity
(internal/alerts/activities.py) feeds it what the stores read."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from internal.alerts.alert_store import NewAlert
from internal.alerts.announce_store import NewReview, ProductChange
from internal.alerts.subscription_store import Subscription
from internal.domain.reuse import score_change
from internal.domain.sentiment_drop import DropVerdict
from internal.platform.alert_settings import AlertSettings


def alert_id(*parts: str) -> str:
    """Stable per (subscription, event, …): announcing the same event again yields the same id, which is the
    delivery workflow's id and the idempotency key the receiver sees."""
    return "al" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:30]


def canonical_body(payload: dict[str, Any]) -> bytes:
    """The bytes POSTed and signed: sorted keys, so the stored JSON (jsonb keeps no key order) always gives the
    same bytes."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def covers_run(sub: Subscription, event: str, job_id: str, schedule_id: str | None) -> bool:
    """Whether a job_finished / schedule_run_finished event is in the subscription's scope: all; the runs (and
    their jobs) of its schedule; or, for job_finished only, its job."""
    if sub.scope_kind == "all":
        return True
    if sub.scope_kind == "schedule":
        return schedule_id is not None and schedule_id == sub.scope_id
    return event == "job_finished" and job_id == sub.scope_id


def run_payload(
    sub: Subscription,
    aid: str,
    event: str,
    job_id: str,
    schedule_id: str | None,
    status: str,
    outcomes: dict[str, int],
) -> dict[str, Any]:
    return {
        "alert_id": aid,
        "kind": event,
        "subscription_id": sub.subscription_id,
        "job_id": job_id,
        "schedule_id": schedule_id,
        "status": status,
        "outcomes": dict(sorted(outcomes.items())),
        "links": {"job": f"/api/v1/jobs/{job_id}"},
    }


POINT_FIELDS = ("mean_sentiment", "score_5", "ci95_low", "ci95_high", "review_count")


def quoted_reviews(new: list[NewReview], *, quotes: int, quote_chars: int) -> dict[str, Any]:
    """How many reviews are new, and the first `quotes` of them (the most negative first, as given) verbatim up to
    `quote_chars`, each with its review id."""
    return {
        "count": len(new),
        "quoted": [
            {
                "review_id": r.review_id,
                "text": r.body[:quote_chars],
                "truncated": len(r.body) > quote_chars,
                "rating": r.rating,
                "sentiment": None if r.sentiment is None else round(r.sentiment, 4),
            }
            for r in new[:quotes]
        ],
    }


def drop_payload(
    sub: Subscription,
    aid: str,
    job_id: str,
    schedule_id: str | None,
    change: ProductChange,
    verdict: DropVerdict,
    new: list[NewReview],
    *,
    quotes: int,
    quote_chars: int,
) -> dict[str, Any]:
    """A sentiment_drop alert: the product, the change with both intervals, and the new reviews that moved it
    (the most negative first, each quoted verbatim up to `quote_chars`, with its review id)."""
    meta = change.result.get("meta") or {}
    return {
        "alert_id": aid,
        "kind": "sentiment_drop",
        "subscription_id": sub.subscription_id,
        "job_id": job_id,
        "schedule_id": schedule_id,
        "product": {
            "source": change.result.get("source"),
            "product_id": change.product_id,
            "name": change.name or meta.get("name"),
        },
        "change": {
            "from": {**{k: change.previous_result.get(k) for k in POINT_FIELDS}, "job_id": change.previous_job},
            "to": {**{k: change.result.get(k) for k in POINT_FIELDS}, "job_id": job_id},
            "mean_change": verdict.change,
            "score_change": score_change(change.previous_result, change.result),
            "rule": verdict.reason,
        },
        "new_reviews": quoted_reviews(new, quotes=quotes, quote_chars=quote_chars),
        "links": {"job": f"/api/v1/jobs/{job_id}", "results": f"/api/v1/jobs/{job_id}/results"},
    }


def drop_alert(
    sub: Subscription,
    job_id: str,
    run_key: str,
    schedule_id: str | None,
    change: ProductChange,
    verdict: DropVerdict,
    new: list[NewReview],
    settings: AlertSettings,
) -> NewAlert:
    """The sentiment_drop alert of one product for one subscription, its id stable per (subscription, job run,
    product)."""
    source = str(change.result.get("source") or "")
    aid = alert_id(sub.subscription_id, "sentiment_drop", run_key, source, change.product_id)
    payload = drop_payload(
        sub, aid, job_id, schedule_id, change, verdict, new, quotes=settings.quotes, quote_chars=settings.quote_chars
    )
    return NewAlert(
        aid,
        sub.subscription_id,
        "sentiment_drop",
        payload,
        job_id=job_id,
        schedule_id=schedule_id,
        source=source,
        product_id=change.product_id,
    )
