"""Builds the Temporal worker: every workflow and activity of the service on TEMPORAL_TASK_QUEUE."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from internal.activities.enrichment import EnrichmentActivities
from internal.activities.state import StateActivities
from internal.scorers.base import Scorer
from internal.sources.base import ReviewSource
from internal.state.manager import StateManager
from internal.workflows.enrichment import EnrichmentWorkflow
from internal.workflows.job import JobWorkflow

WORKFLOWS: list[type] = [JobWorkflow, EnrichmentWorkflow]


def activities(
    state: StateManager, sources: Mapping[str, ReviewSource], scorers: Mapping[str, Scorer]
) -> list[Callable[..., Any]]:
    return [*StateActivities(state).all(), *EnrichmentActivities(state, sources, scorers).all()]


def build_worker(
    client: Client,
    task_queue: str,
    state: StateManager,
    sources: Mapping[str, ReviewSource],
    scorers: Mapping[str, Scorer],
    *,
    max_concurrent_activities: int = 100,
    max_concurrent_workflow_tasks: int = 100,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities(state, sources, scorers),
        max_concurrent_activities=max_concurrent_activities,
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        # Cancellation reaches activities only through heartbeats; give in-flight work time to finish on SIGTERM.
        graceful_shutdown_timeout=timedelta(seconds=20),
    )
