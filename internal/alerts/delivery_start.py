"""Starting an alert's delivery workflow, once ever: shared by the announce at a job's end
(internal/alerts/activities.py) and the live drop check of pushed reviews (internal/alerts/live_drops.py).
Called from inside an activity: the workflow starts on that activity's client and task queue."""

from __future__ import annotations

import contextlib

from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from internal.alerts import contracts
from internal.alerts.workflow import AlertDeliveryInput, AlertDeliveryWorkflow
from internal.platform.alert_settings import AlertSettings


async def start_delivery(aid: str, settings: AlertSettings) -> None:
    """Start the alert's delivery workflow (its id is the alert's, REJECT_DUPLICATE): a retried activity finds it
    started and moves on, so an alert is delivered once however often it is announced."""
    s = settings
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await activity.client().start_workflow(
            AlertDeliveryWorkflow.run,
            AlertDeliveryInput(
                alert_id=aid,
                retry_initial_seconds=s.retry_initial_seconds,
                retry_backoff=s.retry_backoff,
                retry_max_seconds=s.retry_max_seconds,
                give_up_after_seconds=s.give_up_after_seconds,
                request_timeout_seconds=s.request_timeout_seconds,
            ),
            id=contracts.alert_workflow_id(aid),
            task_queue=activity.info().task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"Deliver alert {aid}",
        )
