"""AlertDeliveryWorkflow (`alert-<alert_id>`): POST one alert to its subscriber until it is taken or we give up.

One activity, `deliver_alert`, sends the stored alert with its idempotency key and HMAC signature; Temporal retries
it with exponential backoff (the schedule is in the input, from AlertSettings, so it is recorded and replays). The
workflow id comes from the alert id and is started with REJECT_DUPLICATE, so an alert is never delivered by two
workflows; a retried POST that did reach the receiver carries the same idempotency key, which the receiver dedupes
on (docs/alerts.md). When the retries run out the alert is marked failed, with its attempts kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from internal.alerts import contracts
from internal.enrichment.policies import DB_RETRY

_DB_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class AlertDeliveryInput:
    alert_id: str
    retry_initial_seconds: float = 1.0
    retry_backoff: float = 2.0
    retry_max_seconds: float = 60.0
    give_up_after_seconds: float = 24 * 3600.0
    request_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class AlertDeliveryResult:
    alert_id: str
    status: str  # delivered | failed
    http_status: int | None = None
    attempts: int = 0
    reason: str | None = None


@workflow.defn
class AlertDeliveryWorkflow:
    @workflow.run
    async def run(self, inp: AlertDeliveryInput) -> AlertDeliveryResult:
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=inp.retry_initial_seconds),
            backoff_coefficient=inp.retry_backoff,
            maximum_interval=timedelta(seconds=inp.retry_max_seconds),
            maximum_attempts=0,  # bounded by time instead: schedule_to_close below
            non_retryable_error_types=["AlertRefused"],
        )
        try:
            sent = await workflow.execute_activity(
                contracts.DELIVER_ALERT,
                contracts.DeliverInput(alert_id=inp.alert_id),
                result_type=contracts.DeliverResult,
                # Each POST's own budget, plus a little for the attempt's bookkeeping.
                start_to_close_timeout=timedelta(seconds=inp.request_timeout_seconds + 20),
                schedule_to_close_timeout=timedelta(seconds=inp.give_up_after_seconds),
                retry_policy=retry,
                summary=f"deliver alert {inp.alert_id}",
            )
        except ActivityError as err:
            cause = err.cause if err.cause is not None else err
            reason = f"gave up: {cause}"
            await workflow.execute_activity(
                contracts.FINISH_ALERT,
                contracts.FinishAlertInput(alert_id=inp.alert_id, reason=reason),
                result_type=contracts.FinishAlertResult,
                start_to_close_timeout=_DB_TIMEOUT,
                retry_policy=DB_RETRY,
                summary=f"alert {inp.alert_id} failed",
            )
            return AlertDeliveryResult(inp.alert_id, "failed", reason=reason)
        return AlertDeliveryResult(inp.alert_id, "delivered", http_status=sent.http_status, attempts=sent.attempt)
