"""Builds the Temporal worker: every workflow and activity of the service on TEMPORAL_TASK_QUEUE.

Tuned for throughput on a small machine (each choice measured in docs/performance.md, "Worker settings"):

- Workflows run unsandboxed. The sandbox re-imports workflow modules and proxies their globals for every new run;
  with a run per product that was the worker's largest cost (12 → 21 rows/s without it; passing our modules
  through the sandbox reached only 17.5). Determinism is still checked where it is cheap: the replay tests run
  every recorded history through the sandboxed Replayer, and workflow files import only deterministic code
  (tests/unit/test_layout.py).
- Poller counts scale with the backlog instead of a fixed five, so a burst of child starts finds pollers waiting.
- Enough cached workflows that every in-flight child and its parent stay sticky (a cache miss replays history).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import PollerBehaviorAutoscaling, UnsandboxedWorkflowRunner, Worker

from internal.activities.enrichment import EnrichmentActivities
from internal.activities.schedules import ScheduleActivities
from internal.activities.state import StateActivities
from internal.config import DEFAULT_WORKER_SLOTS
from internal.scorers.base import Scorer
from internal.sources.base import ReviewSource
from internal.state.manager import StateManager
from internal.workflows.enrichment import EnrichmentWorkflow
from internal.workflows.job import JobWorkflow
from internal.workflows.scheduled import ScheduledRunWorkflow

WORKFLOWS: list[type] = [JobWorkflow, EnrichmentWorkflow, ScheduledRunWorkflow]
# Two per in-flight child at the largest window we expect, plus parents: a child evicted mid-run is replayed.
MAX_CACHED_WORKFLOWS = 2000
# An activity learns of its cancel only from a heartbeat's reply, and the SDK holds heartbeats back for up to 80 %
# of the heartbeat timeout (24 s for ours): a cancelled job's scoring went on calling a paid scorer that long.
# Our activities heartbeat once per batch or page, so this caps heartbeats at one per activity per 2 s.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


def activities(
    state: StateManager, sources: Mapping[str, ReviewSource], scorers: Mapping[str, Scorer]
) -> list[Callable[..., Any]]:
    return [
        *StateActivities(state).all(),
        *EnrichmentActivities(state, sources, scorers).all(),
        *ScheduleActivities(state).all(),
    ]


def build_worker(
    client: Client,
    task_queue: str,
    state: StateManager,
    sources: Mapping[str, ReviewSource],
    scorers: Mapping[str, Scorer],
    *,
    max_concurrent_activities: int = DEFAULT_WORKER_SLOTS,
    max_concurrent_workflow_tasks: int = DEFAULT_WORKER_SLOTS,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(state, sources, scorers),
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_concurrent_activities=max_concurrent_activities,
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        max_concurrent_local_activities=max_concurrent_activities,
        max_cached_workflows=MAX_CACHED_WORKFLOWS,
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(),
        activity_task_poller_behavior=PollerBehaviorAutoscaling(),
        # Cancellation reaches activities only through heartbeats; give in-flight work time to finish on SIGTERM.
        graceful_shutdown_timeout=timedelta(seconds=20),
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )
