"""Alerts end to end (docs/alerts.md): subscriptions through the API, jobs on the generic JSON source's loopback fake,
and a real HTTP receiver on loopback that checks signatures and dedupes by idempotency key. Short retry intervals
come from AlertSettings, as the worker is given them."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from internal.app.state import StateManager
from internal.domain.sentiment_drop import MIN_NEW_REVIEWS
from internal.domain.webhook_signature import verify
from internal.platform.alert_settings import AlertSettings
from internal.platform.stack.proc import free_port
from tests.fakes.alert_receiver import AlertReceiver
from tests.fakes.reviews_api import FakeReviewsApi, simple_source_settings
from tests.fakes.server import serve_app
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.api_harness import api_on, serve

SECRET = "alert-test-secret-0123456789"
FAST = AlertSettings(retry_initial_seconds=0.2, retry_backoff=2.0, retry_max_seconds=1.0, request_timeout_seconds=5)


@pytest.fixture
def reviews_api() -> Iterator[tuple[FakeReviewsApi, dict[str, Any]]]:
    fake = FakeReviewsApi()
    with serve_app(fake.app) as url:
        yield fake, simple_source_settings(url)


@pytest.fixture
def receiver() -> Iterator[tuple[AlertReceiver, str]]:
    fake = AlertReceiver(SECRET.encode())
    with serve_app(fake.app) as url:
        yield fake, url


async def _subscribe(http: httpx.AsyncClient, url: str, conditions: list[str], **scope: str) -> str:
    body = {"url": url, "conditions": conditions, "scope": scope or {"kind": "all"}, "secret": SECRET}
    made = await http.post("/api/v1/alerts/subscriptions", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["subscription_id"])


async def _run(http: httpx.AsyncClient, ids: list[str], options: dict[str, Any] | None = None) -> str:
    body = ("product_id\n" + "".join(f"{i}\n" for i in ids)).encode()
    data = {"options": json.dumps(options)} if options else None
    created = await http.post("/api/v1/jobs", files={"file": ("p.csv", body, "text/csv")}, data=data)
    assert created.status_code == 201, created.text
    return str(created.json()["job_id"])


async def _alerts_until(
    http: httpx.AsyncClient, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 60
) -> list[dict[str, Any]]:
    """GET /api/v1/alerts until `until` holds for its alerts (an AssertionError with the last answer if not)."""
    seen: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                seen = (await http.get("/api/v1/alerts", params={"limit": 500})).json()["alerts"]
                if until(seen):
                    return seen
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"after {timeout:g} s the alerts are {json.dumps(seen, indent=1)[:3000]}") from None


def _delivered(kinds: dict[str, int]) -> Callable[[list[dict[str, Any]]], bool]:
    def check(alerts: list[dict[str, Any]]) -> bool:
        counts = {k: sum(a["kind"] == k for a in alerts) for k in kinds}
        return counts == kinds and all(a["status"] == "delivered" for a in alerts)

    return check


async def test_clearly_worse_reviews_fire_one_alert_and_noise_none(
    temporal_client: Client,
    state: StateManager,
    tmp_path: Path,
    reviews_api: tuple[FakeReviewsApi, dict[str, Any]],
    receiver: tuple[AlertReceiver, str],
) -> None:
    fake, overrides = reviews_api
    hook, hook_url = receiver
    fake.catalog.update({"sku-drop": 12, "sku-calm": 12})
    async with api_on(temporal_client, state, tmp_path, overrides, alert_settings=FAST) as (api, http):
        await _subscribe(http, hook_url + "/hook", ["sentiment_drop", "job_finished"])
        first = await _run(http, ["sku-drop", "sku-calm"])
        await api.wait_done(http, first)
        await _alerts_until(http, _delivered({"job_finished": 1}))

        # Ten clearly worse reviews for one product; for the other, new reviews that say what the old ones said.
        fake.added["sku-drop"] = 10
        fake.added["sku-calm"] = 6
        fake.added_text["sku-calm"] = "great value."
        second = await _run(http, ["sku-drop", "sku-calm"], {"refresh": True})
        await api.wait_done(http, second)
        alerts = await _alerts_until(http, _delivered({"job_finished": 2, "sentiment_drop": 1}))

    drops = hook.of_kind("sentiment_drop")
    assert len(drops) == 1 and len(hook.of_kind("job_finished")) == 2
    drop = drops[0]
    print(f"sentiment_drop: {drop['change']['rule']}")
    assert drop["product"]["product_id"] == "sku-drop" and drop["job_id"] == second
    change = drop["change"]
    assert change["from"]["job_id"] == first and change["to"]["job_id"] == second
    assert change["to"]["ci95_high"] < change["from"]["mean_sentiment"]
    assert change["mean_change"] < 0 and change["score_change"] < 0 and "wholly below" in change["rule"]
    assert drop["new_reviews"]["count"] == 10 >= MIN_NEW_REVIEWS
    quoted = drop["new_reviews"]["quoted"]
    assert len(quoted) == FAST.quotes
    assert all(q["review_id"].startswith("new-") and "broke after a week, awful." in q["text"] for q in quoted)
    # Each alert reached the receiver once, signed, with its id as the idempotency key.
    assert all(p.signature_ok and p.answered == 200 for p in hook.posts) and len(hook.posts) == 3
    assert {a["alert_id"] for a in alerts} == set(hook.received)
    drop_row = next(a for a in alerts if a["kind"] == "sentiment_drop")
    assert drop_row["product_id"] == "sku-drop" and [t["http_status"] for t in drop_row["attempts"]] == [200]


async def test_a_receiver_down_for_a_while_gets_each_alert_once(
    temporal_client: Client, state: StateManager, tmp_path: Path, receiver: tuple[AlertReceiver, str]
) -> None:
    hook, hook_url = receiver
    # The receiver behind a proxy that refuses connections at first, then answers 503 twice once it is back.
    proxy = TcpProxy("127.0.0.1", int(hook_url.rsplit(":", 1)[1]), free_port())
    hook.fail_next = 2
    async with serve(temporal_client, state, tmp_path, alert_settings=FAST) as api, api.client() as http:
        await _subscribe(http, f"http://{proxy.address}/hook", ["job_finished"])
        job = await _run(http, ["B000ALERT1", "B000ALERT2"])
        await api.wait_done(http, job)
        refused = await _alerts_until(http, lambda a: len(a) == 1 and len(a[0]["attempts"]) >= 3)
        assert refused[0]["status"] == "pending" and not hook.posts
        assert all(t["http_status"] is None and t["error"] for t in refused[0]["attempts"])
        await proxy.up()
        back = time.monotonic()
        try:
            (alert,) = await _alerts_until(http, lambda a: a[0]["status"] == "delivered")
        finally:
            await proxy.down()
        print(f"receiver back -> alert delivered in {time.monotonic() - back:.2f} s, {len(alert['attempts'])} attempts")

    statuses = [t["http_status"] for t in alert["attempts"]]
    assert statuses[-3:] == [503, 503, 200] and all(s is None for s in statuses[:-3])
    assert [t["attempt"] for t in alert["attempts"]] == list(range(1, len(statuses) + 1))
    assert [p.answered for p in hook.posts] == [503, 503, 200]
    assert list(hook.received) == [alert["alert_id"]]  # once, under its idempotency key
    assert {p.headers["idempotency-key"] for p in hook.posts} == {alert["alert_id"]}
    last = hook.posts[-1]
    at = int(last.headers["x-alert-timestamp"])
    signed = last.headers["x-alert-signature"]
    assert signed.startswith("sha256=")
    assert verify(SECRET, last.body, str(at), signed, now=time.time(), window=300) is None
    assert verify("another-secret", last.body, str(at), signed, now=at) == "signature does not match the body"
    assert hook.received[alert["alert_id"]]["job_id"] == job


async def test_a_receivers_retry_after_is_waited_out(
    temporal_client: Client, state: StateManager, tmp_path: Path, receiver: tuple[AlertReceiver, str]
) -> None:
    hook, hook_url = receiver
    # FAST alone would retry 0.2 s and then 0.4 s later: the receiver's Retry-After (2 s) must win over it.
    hook.fail_next, hook.retry_after = 2, "2"
    async with serve(temporal_client, state, tmp_path, alert_settings=FAST) as api, api.client() as http:
        await _subscribe(http, hook_url + "/hook", ["job_finished"])
        job = await _run(http, ["B000WAIT1"])
        await api.wait_done(http, job)
        (alert,) = await _alerts_until(http, _delivered({"job_finished": 1}))

    gaps = [later.at - first.at for first, later in itertools.pairwise(hook.posts)]
    print("Retry-After 2 s -> the next attempts came " + ", ".join(f"{g:.2f} s" for g in gaps) + " later")
    assert [p.answered for p in hook.posts] == [503, 503, 200]
    assert all(g >= 2.0 for g in gaps), gaps
    # Each attempt shows what it was told; the one taken was told nothing.
    told = [(t["attempt"], t["http_status"], t["retry_after"]) for t in alert["attempts"]]
    assert told == [(1, 503, 2.0), (2, 503, 2.0), (3, 200, None)]
    assert list(hook.received) == [alert["alert_id"]]


async def test_subscriptions_are_validated_listed_and_deleted(
    temporal_client: Client, state: StateManager, tmp_path: Path
) -> None:
    async with serve(temporal_client, state, tmp_path) as api, api.client() as http:
        for body, field in [
            ({"url": "ftp://x", "conditions": ["job_finished"]}, "url"),
            ({"url": "http://127.0.0.1:9/h", "conditions": ["sometimes"]}, "conditions.0"),
            ({"url": "http://127.0.0.1:9/h", "conditions": []}, "conditions"),
            ({"url": "http://127.0.0.1:9/h", "conditions": ["job_finished"], "scope": {"kind": "job"}}, "scope"),
            (
                {
                    "url": "http://127.0.0.1:9/h",
                    "conditions": ["sentiment_drop"],
                    "scope": {"kind": "job", "id": "nope"},
                },
                "scope.id",
            ),
        ]:
            answer = await http.post("/api/v1/alerts/subscriptions", json=body)
            assert answer.status_code == 422, answer.text
            error = answer.json()["error"]
            assert field in [d["field"] for d in error["details"]], error
            assert error["message"]
        made = await http.post(
            "/api/v1/alerts/subscriptions", json={"url": "http://127.0.0.1:9/h", "conditions": ["job_finished"]}
        )
        assert made.status_code == 201 and len(made.json()["secret"]) >= 32
        sid = made.json()["subscription_id"]
        listed = (await http.get("/api/v1/alerts/subscriptions")).json()["subscriptions"]
        assert [s["subscription_id"] for s in listed] == [sid] and "secret" not in listed[0]
        assert (await http.delete(f"/api/v1/alerts/subscriptions/{sid}")).status_code == 204
        again = await http.delete(f"/api/v1/alerts/subscriptions/{sid}")
        assert again.status_code == 404 and again.json()["error"]["code"] == "subscription_not_found"
        assert (await http.get("/api/v1/alerts/subscriptions")).json()["subscriptions"] == []


async def _trigger_and_wait(http: httpx.AsyncClient, schedule_id: str, runs: int) -> None:
    assert (await http.post(f"/api/v1/schedules/{schedule_id}/trigger")).status_code == 202
    async with asyncio.timeout(60):
        while True:
            shown = (await http.get(f"/api/v1/schedules/{schedule_id}")).json()["recent_runs"]
            if len(shown) >= runs and all(r["status"] in ("completed", "failed", "cancelled") for r in shown):
                return
            await asyncio.sleep(0.3)


async def test_a_schedules_runs_alert_its_subscribers(
    temporal_client: Client,
    state: StateManager,
    tmp_path: Path,
    reviews_api: tuple[FakeReviewsApi, dict[str, Any]],
    receiver: tuple[AlertReceiver, str],
) -> None:
    fake, overrides = reviews_api
    hook, hook_url = receiver
    fake.catalog["sku-s"] = 12
    conditions = ["sentiment_drop", "job_finished", "schedule_run_finished"]
    async with api_on(temporal_client, state, tmp_path, overrides, alert_settings=FAST) as (_, http):
        made = await http.post("/api/v1/schedules", json={"products": ["sku-s"], "every": "1h"})
        schedule_id = made.json()["schedule_id"]
        await _subscribe(http, hook_url + "/hook", conditions, kind="schedule", id=schedule_id)
        other = await http.post("/api/v1/schedules", json={"products": ["sku-s"], "every": "1h"})
        await _subscribe(http, hook_url + "/other", conditions, kind="schedule", id=other.json()["schedule_id"])
        await _trigger_and_wait(http, schedule_id, 1)
        await _alerts_until(http, _delivered({"job_finished": 1, "schedule_run_finished": 1}))
        fake.added["sku-s"] = 8  # a scheduled run refreshes: it finds the eight bad reviews
        await _trigger_and_wait(http, schedule_id, 2)
        alerts = await _alerts_until(
            http, _delivered({"job_finished": 2, "schedule_run_finished": 2, "sentiment_drop": 1})
        )
    assert {a["schedule_id"] for a in alerts} == {schedule_id}  # the other schedule's subscription heard nothing
    (drop,) = hook.of_kind("sentiment_drop")
    assert drop["product"]["product_id"] == "sku-s" and drop["new_reviews"]["count"] == 8
    assert all(r["status"] == "completed" for r in hook.of_kind("schedule_run_finished"))


async def _cli(url: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "internal.cli.main",
        "--api-url",
        url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_enrich_alerts_commands(
    temporal_client: Client, state: StateManager, tmp_path: Path, receiver: tuple[AlertReceiver, str]
) -> None:
    hook, hook_url = receiver
    async with serve(temporal_client, state, tmp_path, alert_settings=FAST) as api, api.client() as http:
        code, out, err = await _cli(
            api.url, "alerts", "add", hook_url + "/hook", "--on", "job_finished", "--secret", SECRET
        )
        assert code == 0, out + err
        assert "job_finished" in out and "signing secret (shown once): " + SECRET in out
        sid = out.split()[-1]
        code, out, _ = await _cli(api.url, "alerts", "list")
        assert code == 0 and sid in out and hook_url in out
        job = await _run(http, ["B000CLI1"])
        await api.wait_done(http, job)
        (alert,) = await _alerts_until(http, _delivered({"job_finished": 1}))
        code, out, _ = await _cli(api.url, "alerts", "deliveries")
        assert code == 0 and alert["alert_id"] in out and "delivered" in out and "200" in out, out
        code, out, _ = await _cli(api.url, "alerts", "remove", sid)
        assert code == 0 and f"subscription {sid} deleted" in out
        code, _, err = await _cli(api.url, "alerts", "remove", sid)
        assert code == 2 and "subscription_not_found" in err
        code, _, err = await _cli(api.url, "alerts", "add", "ftp://nowhere", "--on", "job_finished")
        assert code == 2 and "url" in err
    assert list(hook.received) == [alert["alert_id"]]
