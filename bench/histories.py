"""What a job cost Temporal: history events and Temporal Cloud actions, from real histories and the server's metric.

Two independent counts, so each checks the other:

- `server_actions`: the dev server's own `action` counter (Prometheus, `--metrics-port`), which Temporal keeps to
  mirror Cloud's metering (docs/scaling.md). It sees what histories do not: heartbeats, queries, signals.
- `run_actions`: the Cloud rules of docs/scaling.md applied to one run's history (a workflow start, 2 for a child
  start, each activity attempt, one per workflow task that recorded markers, each timer, each signal).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

_ACTION_LINE = re.compile(r"^action\{(?P<labels>[^}]*)\}\s+(?P<value>[0-9.e+]+)$")


def server_actions(metrics_url: str, namespace: str = "default") -> Counter[str]:
    """The server's `action` counter for one namespace, by action type (cumulative since the server started)."""
    out: Counter[str] = Counter()
    for line in httpx.get(metrics_url, timeout=10).text.splitlines():
        m = _ACTION_LINE.match(line)
        if m is None:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m["labels"]))
        if labels.get("namespace") == namespace:
            out[labels.get("action_type", "?")] += int(float(m["value"]))
    return out


@dataclass
class RunCost:
    events: int = 0
    actions: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    continued_as_new: bool = False


def run_actions(history: WorkflowHistory) -> RunCost:
    cost = RunCost()
    marker_task = False  # a marker recorded by the workflow task that completed last
    for event in history.events:
        cost.events += 1
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            cost.by_kind["workflow start"] += 1
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            # Cloud bills the intent and the start; the child's own WorkflowExecutionStarted is one of them, so
            # the parent side counts one here and the child's history the other.
            cost.by_kind["child start (parent side)"] += 1
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            cost.by_kind["activity attempt"] += max(1, event.activity_task_started_event_attributes.attempt)
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            marker_task = False
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED and not marker_task:
            marker_task = True
            cost.by_kind["workflow task with markers"] += 1
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            cost.by_kind["timer"] += 1
        elif kind in (
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
        ):
            cost.by_kind["signal"] += 1
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            cost.by_kind["search attribute upsert"] += 1
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            cost.continued_as_new = True
    cost.actions = sum(cost.by_kind.values())
    return cost


async def workflow_runs(client: Client, query: str) -> list[tuple[str, str]]:
    """(workflow id, run id) of every run matching a visibility query, continued-as-new runs included."""
    return [(wf.id, wf.run_id) async for wf in client.list_workflows(query)]


async def history_cost(client: Client, workflow_id: str, run_id: str) -> RunCost:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    return run_actions(history)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(costs: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in costs.items())
