"""Push ingestion end to end (real API, worker, Temporal and PostgreSQL): the bad-review corpus, idempotency,
reconciling counts, replay after a fix, and live product sentiment with its history."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.webhook_signature import sign
from internal.platform.ingest_settings import IngestSettings
from tests.integration.api_harness import api_on, serve
from tests.integration.test_cli_output import _env, enrich

INGEST = IngestSettings(_env_file=None, sources="acme,shop", max_review_chars=20_000, max_body_bytes=3_000_000)


def review(n: int, product: str = "P1", **change: Any) -> dict[str, Any]:
    base = {
        "review_id": f"r{n}",
        "product_id": product,
        "user_id": f"u{n}",
        "text": "Great kettle, boils fast and looks lovely." if n % 2 else "Broke after a week, terrible.",
        "rating": 5 if n % 2 else 1,
        "timestamp": "2026-01-02T03:04:05Z",
    }
    return {**base, **change}


# The bad-review corpus: each is dead-lettered with exactly this reason.
CORPUS: list[tuple[dict[str, Any] | Any, str]] = [
    ({k: v for k, v in review(100).items() if k != "text"}, "missing_field"),
    ({k: v for k, v in review(101).items() if k != "user_id"}, "missing_field"),
    (review(102, rating=6), "rating_out_of_range"),
    (review(103, rating=-1), "rating_out_of_range"),
    (review(104, rating="five"), "rating_not_a_number"),
    (review(105, text="x" * 1_000_000), "too_long"),
    (review(106, text=42), "wrong_type"),
    (review(107, product_id=["P1"]), "wrong_type"),
    (review(108, rating=True), "wrong_type"),
    (review(109, timestamp="02/01/2026"), "bad_timestamp"),
    (review(110, timestamp="2026-02-30T00:00:00Z"), "bad_timestamp"),
    ("just a string", "not_an_object"),
]


async def _count(state: StateManager, sql: str, *args: Any) -> int:
    return int(await state._pool.fetchval(sql, *args))


async def _wait_product(http: httpx.AsyncClient, path: str, reviews: int, timeout: float = 30) -> dict[str, Any]:
    """The product's page once its sentiment counts `reviews` reviews and nothing is pending."""
    async with asyncio.timeout(timeout):
        while True:
            got = await http.get(path)
            if got.status_code == 200:
                body: dict[str, Any] = got.json()
                if body["review_count"] == reviews and not body["pending"]:
                    return body
            await asyncio.sleep(0.1)


async def test_bad_corpus_duplicates_replay_and_reconciling_counts(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path, ingest=INGEST) as api, api.client() as http:
        batch = [review(1), review(2), review(1), *[item for item, _ in CORPUS]]
        got = await http.post("/api/v1/reviews?source=acme", json=batch)
        assert got.status_code == 202, got.text
        body = got.json()
        assert (body["received"], body["accepted"], body["duplicates"], body["dead_lettered"]) == (15, 2, 1, 12)
        assert [(d["position"], d["reason"]) for d in body["dead_letters"]] == [
            (3 + i, reason) for i, (_, reason) in enumerate(CORPUS)
        ]
        assert body["dead_letters"][2]["message"] == "rating: 6 is outside 0..5"
        # A retried webhook: everything is a duplicate, nothing stored twice.
        again = (await http.post("/api/v1/reviews?source=acme", json=[review(1), review(2)])).json()
        assert (again["accepted"], again["duplicates"]) == (0, 2)
        # NDJSON, with a line that is not JSON.
        ndjson = "\n".join([json.dumps(review(3)), "{oops", json.dumps(review(2))]) + "\n"
        got = await http.post(
            "/api/v1/reviews?source=acme", content=ndjson, headers={"Content-Type": "application/x-ndjson"}
        )
        nd = got.json()
        assert (nd["received"], nd["accepted"], nd["duplicates"], nd["dead_lettered"]) == (3, 1, 1, 1)
        assert nd["dead_letters"][0]["reason"] == "not_json"
        # Refused whole: an unknown source (named), a body over the limit, a body that is not a JSON array.
        unknown = await http.post("/api/v1/reviews?source=nope", json=[review(9)])
        assert unknown.status_code == 422 and "'nope'" in unknown.json()["error"]["message"]
        assert unknown.json()["error"]["code"] == "unknown_source"
        huge = await http.post("/api/v1/reviews?source=acme", content=b"[" + b" " * 3_000_001 + b"]")
        assert huge.status_code == 413
        assert (await http.post("/api/v1/reviews?source=acme", json={"a": 1})).status_code == 422

        # Counts reconcile in PostgreSQL: per receipt, and against what the tables hold.
        receipts = await state._pool.fetch("SELECT * FROM ingest_batches WHERE source = 'acme'")
        assert len(receipts) == 3
        for r in receipts:
            stored = await _count(state, "SELECT count(*) FROM pushed_reviews WHERE batch_id = $1", r["batch_id"])
            dead = await _count(state, "SELECT count(*) FROM dead_letters WHERE batch_id = $1", r["batch_id"])
            assert (stored, dead) == (r["accepted"], r["dead_lettered"])
            assert r["received"] == r["accepted"] + r["duplicates"] + r["dead_lettered"]

        listed = (await http.get("/api/v1/dead-letters?source=acme&reason=rating_out_of_range")).json()
        assert sorted(d["review_id"] for d in listed["items"]) == ["r102", "r103"]
        assert listed["items"][0]["origin"] == "push" and listed["items"][0]["payload"]["user_id"]
        paged = (await http.get("/api/v1/dead-letters?limit=5")).json()
        assert len(paged["items"]) == 5 and paged["next_before"] is not None
        older = (await http.get(f"/api/v1/dead-letters?limit=100&before={paged['next_before']}")).json()
        assert len(older["items"]) == 13 - 5

        # "Fix the data": the two out-of-range ratings are corrected at the source of the dead letters.
        await state._pool.execute(
            "UPDATE dead_letters SET payload = jsonb_set(payload, '{rating}', '4') WHERE review_id IN ('r102', 'r103')"
        )
        replayed = (await http.post("/api/v1/dead-letters/replay", json={"source": "acme"})).json()
        assert (replayed["examined"], replayed["stored"], replayed["duplicates"]) == (13, 2, 0)
        assert len(replayed["still_invalid"]) == 11
        twice = (await http.post("/api/v1/dead-letters/replay", json={"source": "acme"})).json()
        assert (twice["examined"], twice["stored"]) == (11, 0)
        assert await _count(state, "SELECT count(*) FROM pushed_reviews WHERE review_id IN ('r102', 'r103')") == 2

        # Live sentiment: r1 r2 r3 (push) and the two replayed reviews, all of product P1.
        product = await _wait_product(http, "/api/v1/products/acme/P1", 5)
        assert product["updated_by"] == "live" and product["reviews_from"] == {"push": 5, "jobs": 0}
        assert product["history"] and product["history"][-1]["review_count"] == 5
        assert (await http.get("/api/v1/products/acme/nothing")).status_code == 404


async def test_push_moves_sentiment_within_seconds_and_signed_webhooks(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    signed = IngestSettings(_env_file=None, sources="shop", webhook_secrets='{"shop": "s3cret"}')
    async with serve(temporal_client, state, tmp_path, ingest=signed) as api, api.client() as http:
        good = [review(n, "K", text="Wonderful, I love it.", rating=5) for n in range(1, 6)]
        body = json.dumps(good).encode()
        unsigned = await http.post("/api/v1/reviews?source=shop", content=body)
        assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "bad_signature"
        stale = sign("s3cret", body, time.time() - 3600)
        assert (await http.post("/api/v1/reviews?source=shop", content=body, headers=stale)).status_code == 401
        posted = await http.post("/api/v1/reviews?source=shop", content=body, headers=sign("s3cret", body, time.time()))
        assert posted.status_code == 202 and posted.json()["accepted"] == 5
        first = await _wait_product(http, "/api/v1/products/shop/K", 5)
        assert first["sentiment"]["mean_sentiment"] > 0.3 and first["interval"][0] is not None
        worse = [review(n, "K", text="Awful. It broke, I hate it.", rating=1) for n in range(6, 12)]
        body = json.dumps(worse).encode()
        await http.post("/api/v1/reviews?source=shop", content=body, headers=sign("s3cret", body, time.time()))
        second = await _wait_product(http, "/api/v1/products/shop/K", 11)
        assert second["sentiment"]["mean_sentiment"] < first["sentiment"]["mean_sentiment"]
        counts = [h["review_count"] for h in second["history"]]
        assert counts[0] == 5 and counts[-1] == 11 and counts == sorted(counts)


async def test_pulled_invalid_reviews_are_dead_lettered_with_their_row_and_replayed_after_a_fix(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    lines = [
        {"product_id": "F1", "review_id": "f1", "text": "Lovely, works great.", "rating": 5},
        {"product_id": "F1", "review_id": "f2", "text": "Sturdy and good.", "rating": "6"},
        {"product_id": "F1", "review_id": "f3", "text": "", "rating": 4},
        {"product_id": "F1", "review_id": "f4", "text": "Fine.", "rating": 4, "date": "last week"},
    ]
    reviews = tmp_path / "reviews.jsonl"
    reviews.write_text("".join(json.dumps(line) + "\n" for line in lines))
    overrides = {"review_source": "file", "reviews_file": str(reviews)}
    async with api_on(temporal_client, state, tmp_path, overrides) as (api, http):
        created = await http.post("/api/v1/jobs", json={"products": ["F1"], "options": {"source": "file"}})
        assert created.status_code == 201, created.text
        job_id = created.json()["job_id"]
        await api.wait_done(http, job_id)
        listed = (await http.get("/api/v1/dead-letters?source=file")).json()["items"]
        got = sorted((d["review_id"], d["reason"], d["origin"], d["job_id"], d["row_num"]) for d in listed)
        assert got == [
            ("f2", "rating_out_of_range", "job", job_id, 2),
            ("f3", "empty_field", "job", job_id, 2),
            ("f4", "bad_timestamp", "job", job_id, 2),
        ]
        # The job's result is in the product's history (origin job), with its interval and review count.
        product = (await http.get("/api/v1/products/file/F1")).json()
        assert product["updated_by"] == "job" and product["reviews_from"] == {"push": 0, "jobs": 1}
        assert [(h["origin"], h["job_id"], h["review_count"]) for h in product["history"]] == [("job", job_id, 1)]
        # Fix one record's data; the replay maps it again with the file source and moves exactly that one.
        await state._pool.execute(
            "UPDATE dead_letters SET payload = jsonb_set(payload, '{rating}', '\"4\"') WHERE review_id = 'f2'"
        )
        replayed = (await http.post("/api/v1/dead-letters/replay", json={"source": "file"})).json()
        assert (replayed["examined"], replayed["stored"], len(replayed["still_invalid"])) == (3, 1, 2)
        live = await _wait_product(http, "/api/v1/products/file/F1", 2)
        assert live["updated_by"] == "live" and live["reviews_from"] == {"push": 0, "jobs": 2}
        assert [h["origin"] for h in live["history"]] == ["job", "push"]
        code, out, _ = await enrich("dead-letters", "list", "--source", "file", cwd=tmp_path, env=_env(API_URL=api.url))
        assert code == 0 and "rating_out_of_range" in out and "stored" in out
        code, out, _ = await enrich(
            "dead-letters", "replay", "--source", "file", cwd=tmp_path, env=_env(API_URL=api.url)
        )
        assert code == 0 and "examined 2: stored 0" in out
