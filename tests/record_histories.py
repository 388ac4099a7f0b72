"""Record real workflow histories for the replay test: `python tests/record_histories.py PREFIX`.

Runs a small job (a plain product, one that needs a second page, one not found) on a throw-away stack and
writes the job workflow's and each child's history (`temporal workflow show -o json` format) to
tests/data/histories/PREFIX<name>.json. Record a new set under a new prefix after an intentional, versioned
workflow change (`workflow.patched`, or a version in the input like EnrichmentWorkflow's `steps_version`) and
keep the old sets: they stand for the runs already in flight on old code. Never re-record to silence a failure.

Sets: `steps2-` = EnrichmentWorkflow steps version 2 (version 1 is retired: docs/architecture.md);
`steps3-` = steps version 3 (the first fetch claims stored reviews: a fetching, a reusing and a refreshing job);
`steps4-` = steps version 4 (a job on the lexical scorer, which scores in process from that version);
`alerts-` = the job's end announces alerts (`alerts-announce-end`): a job with a job_finished subscription to a
loopback receiver, and that alert's AlertDeliveryWorkflow (`alerts-delivery`);
`live-` = LiveSentimentWorkflow: two pushes' refreshes, woken by signals, then idle (its history so far).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from temporalio.client import Client  # noqa: E402

from bench.stack import scratch_stack  # noqa: E402
from internal.adapters.scorers.base import Scorer  # noqa: E402
from internal.adapters.scorers.lexical import LexicalScorer  # noqa: E402
from internal.adapters.scorers.vader import VaderScorer  # noqa: E402
from internal.alerts.contracts import alert_workflow_id  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from internal.jobs.enricher import TemporalEnricher  # noqa: E402
from internal.jobs.workflow import child_workflow_id, job_workflow_id  # noqa: E402
from tests.fakes.alert_receiver import AlertReceiver  # noqa: E402
from tests.fakes.server import serve_app  # noqa: E402
from tests.integration.harness import new_job, running_worker, wait_until_done  # noqa: E402

OUT = REPO / "tests" / "data" / "histories"
PRODUCTS = ["pos-replay", "sparse-replay", "notfound-replay"]


# Steps version 3 claims stored reviews first: its set is three jobs over the same products, one that fetches, one
# that reuses what the first stored, one that refreshes (file names `steps3-`, `steps3-reused-`, `steps3-refresh-`).
CLAIMING: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "steps3-": [("", {}), ("reused-", {}), ("refresh-", {"refresh": True})]
}
# Steps version 4: what changed is where the lexical scorer runs, so its set is a job on that scorer.
LEXICAL: dict[str, list[tuple[str, dict[str, Any]]]] = {"steps4-": [("", {"scorer_chain": ["lexical"]})]}


async def record_live(prefix: str) -> None:
    """LiveSentimentWorkflow after two pushes (each stored, then a signal-with-start), as the API does them."""
    from internal.domain.review_validation import ValidReview
    from internal.ingest.contracts import DIRTY_SIGNAL, LiveSentimentInput, live_workflow_id
    from internal.ingest.workflow import LiveSentimentWorkflow

    async with scratch_stack("record-") as stack:
        state = await StateManager.connect(stack.dsn)
        client = await Client.connect(stack.server.address)
        workflow_id = live_workflow_id("record")
        async with running_worker(client, state, task_queue="record"):
            for n in range(2):
                review = ValidReview(f"r{n}", "Lovely kettle.", "P1", "u", 5.0, "2026-01-02T00:00:00+00:00")
                await state.ingest.store_batch(f"b{n}", "demo", 1, [review], [])
                await client.start_workflow(
                    LiveSentimentWorkflow.run,
                    LiveSentimentInput(scorer="vader"),
                    id=workflow_id,
                    task_queue="record",
                    start_signal=DIRTY_SIGNAL,
                )
                while await state._pool.fetchval("SELECT count(*) FROM live_products WHERE generation > published"):
                    await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            history = await client.get_workflow_handle(workflow_id).fetch_history()
            out = OUT / f"{prefix}sentiment.json"
            out.write_text(json.dumps(history.to_json_dict(), indent=1) + "\n")
            print(f"wrote {out.name} ({len(history.events)} events)")
            await client.get_workflow_handle(workflow_id).terminate("recorded")
        await state.close()


async def main(prefix: str) -> None:
    if prefix == "live-":
        await record_live(prefix)
        return
    async with scratch_stack("record-") as stack:
        state = await StateManager.connect(stack.dsn)
        client = await Client.connect(stack.server.address)
        runs: list[tuple[str, dict[str, Any]]] = CLAIMING.get(prefix) or LEXICAL.get(prefix) or [("", {})]
        base = {"window": 2, "review_max_age": 86400} if prefix in CLAIMING else {"window": 2}
        OUT.mkdir(parents=True, exist_ok=True)
        if prefix == "alerts-":
            await _record_alerts(state, client, prefix)
            await state.close()
            return
        scorers: dict[str, Scorer] = {"vader": VaderScorer(), "lexical": LexicalScorer()}
        async with running_worker(client, state, task_queue="record", scorers=scorers):
            for name_prefix, extra in runs:
                job_id = await new_job(state, PRODUCTS, {**base, **extra})
                await TemporalEnricher(state, client, "record").enrich(job_id)
                await wait_until_done(state, job_id, client=client)
                ids = {"job": job_workflow_id(job_id)}
                for row_num, product in enumerate(PRODUCTS, start=2):
                    ids[product] = child_workflow_id(job_id, row_num)
                for name, workflow_id in ids.items():
                    history = await client.get_workflow_handle(workflow_id).fetch_history()
                    out = OUT / f"{prefix}{name_prefix}{name}.json"
                    out.write_text(json.dumps(history.to_json_dict(), indent=1) + "\n")
                    print(f"wrote {out.name} ({len(history.events)} events)")
        await state.close()


async def _record_alerts(state: StateManager, client: Client, prefix: str) -> None:
    receiver = AlertReceiver(b"record-secret-0123456789")
    with serve_app(receiver.app) as url:
        await state.alerts.subscriptions.create(
            "rec1", url + "/hook", "record-secret-0123456789", "all", None, ["job_finished"]
        )
        async with running_worker(client, state, task_queue="record"):
            job_id = await new_job(state, PRODUCTS[:1], {"window": 2})
            await TemporalEnricher(state, client, "record").enrich(job_id)
            await wait_until_done(state, job_id, client=client)
            while not receiver.received:
                await asyncio.sleep(0.1)
            (alert_id,) = receiver.received
            handle = client.get_workflow_handle(alert_workflow_id(alert_id))
            await handle.result()
            for name, workflow_id in {"job": job_workflow_id(job_id), "delivery": alert_workflow_id(alert_id)}.items():
                history = await client.get_workflow_handle(workflow_id).fetch_history()
                out = OUT / f"{prefix}{name}.json"
                out.write_text(json.dumps(history.to_json_dict(), indent=1) + "\n")
                print(f"wrote {out.name} ({len(history.events)} events)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else ""))
