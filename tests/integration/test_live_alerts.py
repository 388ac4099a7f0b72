"""sentiment_drop alerts from pushed reviews (docs/alerts.md, "From pushed reviews"): real API, worker, Temporal and
PostgreSQL, the live sentiment workflow, and a real signed receiver on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.sentiment_drop import MIN_NEW_REVIEWS
from internal.platform.ingest_settings import IngestSettings
from tests.fakes.alert_receiver import AlertReceiver
from tests.fakes.server import serve_app
from tests.integration.api_harness import serve
from tests.integration.test_alerts import FAST, SECRET, _alerts_until, _delivered, _subscribe
from tests.integration.test_ingest import _wait_product

# A short idle poll: the test's rolled-back product is found without a push to wake the workflow.
INGEST = IngestSettings(_env_file=None, sources="shop", idle_poll_seconds=1)
PATH = "/api/v1/products/shop/PD"
GOOD = ["Wonderful, I love it.", "Great kettle, boils fast and looks lovely.", "Excellent, works perfectly."]
BAD = ["Awful. It broke, I hate it.", "Terrible, broke after a week.", "Horrible kettle, leaks and smells bad."]


@pytest.fixture
def receiver() -> Iterator[tuple[AlertReceiver, str]]:
    fake = AlertReceiver(SECRET.encode())
    with serve_app(fake.app) as url:
        yield fake, url


def _reviews(first: int, texts: list[str], count: int, rating: int) -> list[dict[str, Any]]:
    return [
        {
            "review_id": f"pd-{n}",
            "product_id": "PD",
            "user_id": f"u{n}",
            "text": texts[n % len(texts)],
            "rating": rating,
            "timestamp": "2026-01-02T03:04:05Z",
        }
        for n in range(first, first + count)
    ]


async def _push(http: httpx.AsyncClient, reviews: list[dict[str, Any]]) -> None:
    got = await http.post("/api/v1/reviews?source=shop", json=reviews)
    assert got.status_code == 202 and got.json()["accepted"] == len(reviews), got.text


async def test_pushed_worse_reviews_alert_once_noise_never_and_a_retried_refresh_not_again(
    temporal_client: Client, state: StateManager, tmp_path: Path, receiver: tuple[AlertReceiver, str]
) -> None:
    hook, hook_url = receiver
    async with serve(temporal_client, state, tmp_path, ingest=INGEST, alert_settings=FAST) as api, api.client() as http:
        await _subscribe(http, hook_url + "/hook", ["sentiment_drop"])
        await _push(http, _reviews(0, GOOD, 12, 5))
        first = await _wait_product(http, PATH, 12)
        # The product's first sentiment has nothing to drop from.
        assert (await http.get("/api/v1/alerts")).json()["alerts"] == []

        # Ten clearly worse reviews: one alert, naming the product and quoting them.
        await _push(http, _reviews(12, BAD, 10, 1))
        second = await _wait_product(http, PATH, 22)
        (alert,) = await _alerts_until(http, _delivered({"sentiment_drop": 1}))

        # Within noise: reviews that say what the product's reviews say by now. The check runs before the
        # publish, so once the sentiment counts them any alert would be stored already.
        await _push(http, _reviews(22, GOOD, 3, 5) + _reviews(25, BAD, 3, 1))
        await _wait_product(http, PATH, 28)
        assert len((await http.get("/api/v1/alerts")).json()["alerts"]) == 1

        # A retried refresh: roll the product back to just before the drop was published (as if the worker
        # had been SIGKILLed between the alert and the publish); the workflow refreshes it again.
        await _roll_back_to_drop(state)
        again = await _wait_product(http, PATH, 22)
        assert again["sentiment"]["mean_sentiment"] == second["sentiment"]["mean_sentiment"]
        await asyncio.sleep(1.0)  # a second delivery, if one were started, would be on its way by now
        alerts = (await http.get("/api/v1/alerts")).json()["alerts"]

    assert len(alerts) == 1 and alerts[0]["alert_id"] == alert["alert_id"]
    assert len(hook.posts) == 1 and hook.posts[0].signature_ok and hook.posts[0].answered == 200
    (drop,) = hook.of_kind("sentiment_drop")
    print(f"live sentiment_drop: {drop['change']['rule']}")
    assert drop["origin"] == "push" and drop["product"] == {"source": "shop", "product_id": "PD", "name": None}
    change = drop["change"]
    assert change["from"]["review_count"] == 12 and change["to"]["review_count"] == 22
    assert change["from"]["mean_sentiment"] == round(first["sentiment"]["mean_sentiment"], 4)
    assert change["to"]["ci95_high"] < change["from"]["mean_sentiment"] and "wholly below" in change["rule"]
    assert change["mean_change"] < 0 and change["score_change"] < 0
    assert drop["new_reviews"]["count"] == 10 >= MIN_NEW_REVIEWS
    quoted = drop["new_reviews"]["quoted"]
    assert len(quoted) == FAST.quotes
    by_id = {r["review_id"]: r["text"] for r in _reviews(12, BAD, 10, 1)}
    assert all(by_id[q["review_id"]] == q["text"] and q["rating"] == 1 for q in quoted)
    assert drop["links"]["product"] == PATH


async def _roll_back_to_drop(state: StateManager) -> None:
    """Unpublish everything after the 12-review point: the 22- and 28-review history rows, the live row's published
    generation, and the publish marks of the reviews pushed after it; then drop the last batch itself, so the
    refresh republishes exactly the drop."""
    async with state._pool.acquire() as conn, conn.transaction():
        point = await conn.fetchrow(
            "SELECT generation FROM product_sentiment_history WHERE source = 'shop' AND product_id = 'PD' "
            "AND review_count = 12"
        )
        assert point is not None
        late = [f"pd-{n}" for n in range(22, 28)]
        for table in ("product_review_scores", "product_reviews", "pushed_reviews"):
            await conn.execute(
                f"DELETE FROM {table} WHERE source = 'shop' AND product_id = 'PD' AND review_id = ANY($1)", late
            )
        await conn.execute(
            "DELETE FROM product_sentiment_history WHERE source = 'shop' AND product_id = 'PD' AND review_count > 12"
        )
        await conn.execute(
            "UPDATE pushed_reviews SET published_at = NULL WHERE source = 'shop' AND product_id = 'PD' "
            "AND review_id <> ALL($1)",
            [f"pd-{n}" for n in range(12)],
        )
        await conn.execute(
            "UPDATE live_products SET published = $1, dirty_since = now() WHERE source = 'shop' AND product_id = 'PD'",
            int(point["generation"]),
        )
