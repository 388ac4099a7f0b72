"""The announce step JobWorkflow and ScheduledRunWorkflow end with (behind `workflow.patched(ANNOUNCE_PATCH)`,
which the callers check): the `announce_alerts` activity, called by name. Workflow code: it imports only what a
workflow file may (tests/unit/test_layout.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from internal.alerts import contracts
from internal.enrichment.policies import ANNOUNCE_RETRY

# Comparing a large job's products with their previous results is paged and heartbeats every page.
_ANNOUNCE_TIMEOUT = timedelta(minutes=10)


async def announce(inp: contracts.AnnounceInput) -> None:
    """Tell the alert subscriptions this end reaches (internal/alerts/activities.py). Alerts are a side effect: an
    announce that keeps failing is given up after ANNOUNCE_RETRY's attempts, and the job or run ends as it would
    have (the failure is in its history)."""
    try:
        await workflow.execute_activity(
            contracts.ANNOUNCE_ALERTS,
            inp,
            result_type=contracts.AnnounceResult,
            start_to_close_timeout=_ANNOUNCE_TIMEOUT,
            heartbeat_timeout=_ANNOUNCE_TIMEOUT / 5,
            retry_policy=ANNOUNCE_RETRY,
            summary=f"announce alerts: {inp.event} {inp.job_id}",
        )
    except ActivityError as err:
        workflow.logger.warning("alerts of %s %s not announced: %s", inp.event, inp.job_id, err.cause or err)
