"""The alert activities: `announce_alerts` (at a job's or a scheduled run's end: which subscriptions the end and
the product changes reach; stores each alert once and starts its delivery once), `deliver_alert` (one signed POST,
each attempt recorded) and `finish_alert` (the give-up)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from internal.alerts import contracts
from internal.alerts.alert_store import AlertStore, NewAlert
from internal.alerts.announce import alert_id, canonical_body, covers_run, drop_alert, run_payload
from internal.alerts.announce_store import AnnounceStore
from internal.alerts.delivery_start import start_delivery
from internal.alerts.subscription_store import Subscription, SubscriptionStore
from internal.domain.sentiment_drop import SentimentPoint, sentiment_dropped
from internal.domain.webhook_signature import signature
from internal.platform.alert_settings import AlertSettings
from internal.platform.retry_after import parse_retry_after, retry_later, transient_status

log = logging.getLogger(__name__)

# Products compared per query at a job's end: a million-row job is paged, never loaded at once.
_PAGE = 500


class AlertActivities:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        alerts: AlertStore,
        announce: AnnounceStore,
        settings: AlertSettings,
    ) -> None:
        self._subs, self._alerts, self._announce, self._settings = subscriptions, alerts, announce, settings

    def all(self) -> list[Callable[..., Any]]:
        return [self.announce_alerts, self.deliver_alert, self.finish_alert]

    @activity.defn(name=contracts.ANNOUNCE_ALERTS)
    async def announce_alerts(self, inp: contracts.AnnounceInput) -> contracts.AnnounceResult:
        subs = await self._subs.active()
        if not subs:
            return contracts.AnnounceResult()
        schedule_id = inp.schedule_id or await self._announce.schedule_of(inp.job_id)
        made = [
            NewAlert(
                aid := alert_id(s.subscription_id, inp.event, inp.run_key),
                s.subscription_id,
                inp.event,
                run_payload(s, aid, inp.event, inp.job_id, schedule_id, inp.status, inp.outcomes),
                job_id=inp.job_id,
                schedule_id=schedule_id,
            )
            for s in subs
            if inp.event in s.conditions and covers_run(s, inp.event, inp.job_id, schedule_id)
        ]
        watching = [s for s in subs if "sentiment_drop" in s.conditions]
        if inp.event == "job_finished" and inp.status == "completed" and watching:
            made += await self._drops(inp, schedule_id, watching)
        for alert in made:
            await self._alerts.add(alert)
            await start_delivery(alert.alert_id, self._settings)
        return contracts.AnnounceResult(alert_ids=[a.alert_id for a in made])

    async def _drops(
        self, inp: contracts.AnnounceInput, schedule_id: str | None, watching: list[Subscription]
    ) -> list[NewAlert]:
        """A sentiment_drop alert per (subscription, product of the job whose sentiment dropped significantly)."""
        made: list[NewAlert] = []
        after = 0
        while page := await self._announce.changes(inp.job_id, after_row=after, limit=_PAGE):
            after = page[-1].row_num
            activity.heartbeat(after)
            for change in page:
                previous = SentimentPoint.from_result(change.previous_result)
                current = SentimentPoint.from_result(change.result)
                # Counting the new reviews costs a query: first ask whether enough of them could make it fire.
                if not sentiment_dropped(previous, current, new_reviews=1 << 30).dropped:
                    continue
                new = await self._announce.new_reviews(
                    inp.job_id, change.row_num, change.previous_job, change.previous_row
                )
                verdict = sentiment_dropped(previous, current, new_reviews=len(new))
                if not verdict.dropped:
                    continue
                for s in watching:
                    if not await self._covers_product(s, inp.job_id, schedule_id, change.product_id):
                        continue
                    made.append(
                        drop_alert(s, inp.job_id, inp.run_key, schedule_id, change, verdict, new, self._settings)
                    )
        return made

    async def _covers_product(self, sub: Subscription, job_id: str, schedule_id: str | None, product_id: str) -> bool:
        """all; the jobs of its schedule; or the products of its job."""
        if sub.scope_kind == "all":
            return True
        if sub.scope_kind == "schedule":
            return schedule_id is not None and schedule_id == sub.scope_id
        return sub.scope_id == job_id or await self._announce.has_product(str(sub.scope_id), product_id)

    @activity.defn(name=contracts.DELIVER_ALERT)
    async def deliver_alert(self, inp: contracts.DeliverInput) -> contracts.DeliverResult:
        attempt = activity.info().attempt
        found = await self._alerts.delivery(inp.alert_id)
        if found is None:
            raise ApplicationError(f"no alert {inp.alert_id}", type="AlertRefused", non_retryable=True)
        if found.subscription_deleted:
            await self._alerts.record_attempt(inp.alert_id, attempt, None, "subscription deleted: not sent")
            raise ApplicationError("the subscription was deleted", type="AlertRefused", non_retryable=True)
        body = canonical_body(found.payload)
        at = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": found.alert_id,
            "X-Alert-Id": found.alert_id,
            "X-Alert-Attempt": str(attempt),
            "X-Alert-Timestamp": str(at),
            "X-Alert-Signature": signature(found.secret, at, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self._settings.request_timeout_seconds) as http:
                answer = await http.post(found.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            error = f"{type(err).__name__}: {err}".rstrip(": ")
            await self._alerts.record_attempt(inp.alert_id, attempt, None, error)
            raise ApplicationError(f"could not deliver to {found.url}: {error}", type="AlertUnreachable") from None
        code = answer.status_code
        ok = 200 <= code < 300
        # Busy, down or "slow down": try again, no sooner than its Retry-After asks. Other 4xx refuse the alert.
        busy = transient_status(code)
        wait = parse_retry_after(answer.headers.get("Retry-After")) if busy else None
        await self._alerts.record_attempt(inp.alert_id, attempt, code, None if ok else f"HTTP {code}", wait)
        if ok:
            await self._alerts.finish(inp.alert_id, "delivered")
            return contracts.DeliverResult(http_status=code, attempt=attempt)
        if busy:
            asked = "" if wait is None else f", Retry-After {wait:g} s"
            raise retry_later(f"the receiver answered HTTP {code}{asked}", type="AlertReceiverBusy", retry_after=wait)
        raise ApplicationError(f"the receiver refused the alert: HTTP {code}", type="AlertRefused", non_retryable=True)

    @activity.defn(name=contracts.FINISH_ALERT)
    async def finish_alert(self, inp: contracts.FinishAlertInput) -> contracts.FinishAlertResult:
        log.warning("alert %s not delivered: %s", inp.alert_id, inp.reason)
        await self._alerts.finish(inp.alert_id, "failed")
        return contracts.FinishAlertResult(status="failed")
