"""Histories recorded from real runs (tests/record_histories.py) replay against the current workflow code.

A failure here means a change to JobWorkflow or EnrichmentWorkflow is not deterministic for workflows that are
already running: version it (workflow.patched(), or a version in the input like EnrichmentWorkflow's
`steps_version`) instead of re-recording. The Replayer runs in the workflow sandbox, unlike our worker
(internal/app/worker.py): this is where a non-deterministic call in workflow code is caught.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from internal.app.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "data" / "histories").glob("*.json"))


def test_histories_are_committed() -> None:
    names = {p.stem for p in HISTORIES}
    # EnrichmentWorkflow steps versions 2 and 3 (version 1 is retired: docs/architecture.md).
    for prefix in ("steps2-", "steps3-"):
        assert {f"{prefix}{n}" for n in ("job", "pos-replay", "sparse-replay", "notfound-replay")} <= names
    # JobWorkflow announcing its end to alert subscriptions (`alerts-announce-end`), and an alert's delivery.
    assert {"alerts-job", "alerts-delivery"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))  # noqa: ASYNC240 - tiny file
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
