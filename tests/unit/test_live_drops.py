"""The live drop check's pure part (internal/alerts/live_drops.py): what it reads only when it could fire, and what
its payload says. The stores and the delivery are exercised end to end in tests/integration/test_live_alerts.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from internal.alerts.live_drops import LiveChange, LiveDropAlerts, NewReview
from internal.alerts.stores import AlertStores
from internal.alerts.subscription_store import Subscription
from internal.domain.sentiment_drop import SentimentPoint, sentiment_dropped
from internal.platform.alert_settings import AlertSettings

SUB = Subscription("s1", "http://127.0.0.1:1/hook", "secret", "all", None, ["sentiment_drop"], datetime.now(UTC))
PREVIOUS = {
    "history_id": 7,
    "origin": "push",
    "generation": 3,
    "job_id": None,
    "recorded_at": datetime(2026, 1, 2, tzinfo=UTC),
    "review_count": 12,
    "mean_sentiment": 0.8360000252723694,
    "score_5": 4.672000169754028,
    "ci95_low": 0.80,
    "ci95_high": 0.87,
}
WORSE = {"review_count": 22, "mean_sentiment": 0.126, "score_5": 3.25, "ci95_low": -0.228, "ci95_high": 0.48}
CALM = {"review_count": 18, "mean_sentiment": 0.8, "score_5": 4.6, "ci95_low": 0.7, "ci95_high": 0.9}
# No store is touched unless an alert is made: these paths must not reach one.
CHECKER = LiveDropAlerts(cast(AlertStores, None), AlertSettings(quotes=2, quote_chars=10))


def _new(n: int) -> list[NewReview]:
    return [NewReview(f"r{i}", f"Awful, it broke on day {i}.", 1.0, -0.7) for i in range(n)]


async def test_noise_never_reads_the_new_reviews() -> None:
    calls: list[int] = []

    async def new_reviews() -> list[NewReview]:
        calls.append(1)
        return _new(10)

    made = await CHECKER.announce([SUB], LiveChange("shop", "P", 4, PREVIOUS, CALM), new_reviews)
    assert made == [] and calls == []
    # Nobody watching: not even the rule runs.
    assert await CHECKER.announce([], LiveChange("shop", "P", 4, PREVIOUS, WORSE), new_reviews) == [] and not calls


async def test_a_drop_over_too_few_new_reviews_does_not_fire() -> None:
    async def four() -> list[NewReview]:
        return _new(4)

    assert await CHECKER.announce([SUB], LiveChange("shop", "P", 4, PREVIOUS, WORSE), four) == []


def test_payload_names_the_product_the_change_and_quotes_the_new_reviews() -> None:
    change = LiveChange("shop", "P", 4, PREVIOUS, WORSE)
    verdict = sentiment_dropped(SentimentPoint.from_result(PREVIOUS), SentimentPoint.from_result(WORSE), 10)
    assert verdict.dropped
    body: dict[str, Any] = CHECKER.payload(SUB, "al1", change, verdict, _new(10))
    assert body["kind"] == "sentiment_drop" and body["origin"] == "push" and body["job_id"] is None
    assert body["product"] == {"source": "shop", "product_id": "P", "name": None}
    assert body["change"]["from"] == {
        "review_count": 12,
        "mean_sentiment": 0.836,
        "score_5": 4.672,
        "ci95_low": 0.8,
        "ci95_high": 0.87,
        "origin": "push",
        "generation": 3,
        "job_id": None,
        "recorded_at": "2026-01-02T00:00:00+00:00",
    }
    assert body["change"]["to"] == {**WORSE, "generation": 4}
    assert body["change"]["mean_change"] == verdict.change and body["change"]["score_change"] == -1.422
    assert body["new_reviews"]["count"] == 10
    assert body["new_reviews"]["quoted"][0] == {
        "review_id": "r0",
        "text": "Awful, it ",
        "truncated": True,
        "rating": 1.0,
        "sentiment": -0.7,
    }
    assert len(body["new_reviews"]["quoted"]) == 2 and body["links"] == {"product": "/api/v1/products/shop/P"}
