"""Builds the Temporal worker: every workflow and activity of the service on TEMPORAL_TASK_QUEUE.

Tuned for throughput on a small machine (each choice measured in docs/performance.md, "Worker settings"):

- Workflows run unsandboxed. The sandbox re-imports workflow modules and proxies their globals for every new run;
  with a run per product that was the worker's largest cost (12 → 21 rows/s without it; passing our modules
  through the sandbox reached only 17.5). Determinism is still checked where it is cheap: the replay tests run
  every recorded history through the sandboxed Replayer, and workflow files import only deterministic code
  (tests/unit/test_layout.py).
- Poller counts scale with the backlog instead of a fixed five, so a burst of child starts finds pollers waiting.
- Enough cached workflows that every in-flight child and its parent stay sticky (a cache miss replays history).

A source named in SOURCE_RATE_LIMITS also gets a fetch worker on its own task queue (`fetch_task_queue`), which
runs only the one-page fetch activity and asks the server to dispatch about the source's rate from that queue. The
ceiling is the shared limiter in PostgreSQL that each of those fetches waits for before its request
(internal/enrichment/limiter.py); the server's dispatch keeps those waits short (docs/sources.md, "Rate limits").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, UnsandboxedWorkflowRunner, Worker

from internal.adapters.aspects.base import AspectProvider
from internal.adapters.scorers.base import Scorer
from internal.adapters.sources.base import ReviewSource
from internal.alerts.activities import AlertActivities
from internal.alerts.live_drops import LiveDropAlerts
from internal.alerts.workflow import AlertDeliveryWorkflow
from internal.app.state import StateManager
from internal.domain.options import fetch_task_queue
from internal.enrichment.activities import EnrichmentActivities
from internal.enrichment.fetch_activities import FetchActivities
from internal.enrichment.limiter import SourceLimiter, fetches_held, paced_rate
from internal.enrichment.workflow import EnrichmentWorkflow
from internal.ingest.activities import LiveSentimentActivities
from internal.ingest.workflow import LiveSentimentWorkflow
from internal.jobs.activities import StateActivities
from internal.jobs.workflow import JobWorkflow
from internal.platform.alert_settings import AlertSettings
from internal.platform.config import DEFAULT_WORKER_SLOTS
from internal.schedules.activities import ScheduleActivities
from internal.schedules.workflow import ScheduledRunWorkflow

WORKFLOWS: list[type] = [
    JobWorkflow,
    EnrichmentWorkflow,
    ScheduledRunWorkflow,
    LiveSentimentWorkflow,
    AlertDeliveryWorkflow,
]
# Two per in-flight child at the largest window we expect, plus parents: a child evicted mid-run is replayed.
MAX_CACHED_WORKFLOWS = 2000
# An activity learns of its cancel only from a heartbeat's reply, and the SDK holds heartbeats back for up to 80 %
# of the heartbeat timeout (24 s for ours): a cancelled job's scoring went on calling a paid scorer that long.
# Our activities heartbeat once per batch or page, so this caps heartbeats at one per activity per 2 s.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


def activities(
    state: StateManager,
    sources: Mapping[str, ReviewSource],
    scorers: Mapping[str, Scorer],
    rate_limited: Collection[str] = (),
    alert_settings: AlertSettings | None = None,
    aspects: AspectProvider | None = None,
) -> list[Callable[..., Any]]:
    """`alert_settings`: delivery retries and quotes (ALERT_* variables when not given); `aspects`: the aspect
    provider of ASPECTS (None: offline)."""
    alerts = state.alerts
    alert_settings = alert_settings or AlertSettings.from_env()
    return [
        *StateActivities(state.jobs, state.rows, state.events).all(),
        *EnrichmentActivities(state, sources, scorers, aspects).all(),
        *ScheduleActivities(state.schedules, state.jobs, state.rows, state.events, rate_limited).all(),
        *LiveSentimentActivities(state.ingest, scorers, LiveDropAlerts(alerts, alert_settings), state.live).all(),
        *AlertActivities(alerts.subscriptions, alerts.alerts, alerts.announce, alert_settings).all(),
    ]


def _common_options() -> dict[str, Any]:
    return {
        "activity_task_poller_behavior": PollerBehaviorAutoscaling(),
        # Cancellation reaches activities only through heartbeats; give in-flight work time to finish on SIGTERM.
        "graceful_shutdown_timeout": timedelta(seconds=20),
        "max_heartbeat_throttle_interval": HEARTBEAT_THROTTLE,
        "default_heartbeat_throttle_interval": HEARTBEAT_THROTTLE,
    }


def build_worker(
    client: Client,
    task_queue: str,
    state: StateManager,
    sources: Mapping[str, ReviewSource],
    scorers: Mapping[str, Scorer],
    *,
    max_concurrent_activities: int = DEFAULT_WORKER_SLOTS,
    max_concurrent_workflow_tasks: int = DEFAULT_WORKER_SLOTS,
    rate_limited: Collection[str] = (),
    alert_settings: AlertSettings | None = None,
    aspects: AspectProvider | None = None,
) -> Worker:
    """`rate_limited`: the sources of SOURCE_RATE_LIMITS, whose fetch queue the jobs a schedule makes here use."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(state, sources, scorers, rate_limited, alert_settings, aspects),
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_concurrent_activities=max_concurrent_activities,
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        max_concurrent_local_activities=max_concurrent_activities,
        max_cached_workflows=MAX_CACHED_WORKFLOWS,
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
        **_common_options(),
    )


def build_fetch_workers(
    client: Client,
    task_queue: str,
    rate_limits: Mapping[str, float],
    state: StateManager,
    sources: Mapping[str, ReviewSource],
    *,
    max_concurrent_activities: int = DEFAULT_WORKER_SLOTS,
) -> dict[str, Worker]:
    """One worker per rate-limited source (by source name) that runs only the one-page fetch activity — one
    request each, sent when the shared limiter gives it a slot — with `max_task_queue_activities_per_second`, which
    the server applies to the queue as a whole, and no more fetches at a time than the limiter lets it hold. The
    server keeps the value of the latest poll, so every process must be given the same SOURCE_RATE_LIMITS."""
    fetch = FetchActivities(state, sources, SourceLimiter(state.rate_slots, rate_limits)).fetch_reviews
    return {
        source: Worker(
            client,
            task_queue=fetch_task_queue(task_queue, source),
            activities=[fetch],
            max_concurrent_activities=min(max_concurrent_activities, fetches_held(rate)),
            max_task_queue_activities_per_second=paced_rate(rate),
            **_common_options(),
        )
        for source, rate in rate_limits.items()
    }
