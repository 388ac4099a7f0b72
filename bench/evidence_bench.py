"""Evidence benchmark (issue 19): a demo job of `--rows` products with a given scorer chain, on a scratch embedded
Temporal + PostgreSQL, through the worker the service runs (build_worker) and the real offline scorers.

Prints one JSON line: wall seconds and rows/s, CPU per row (Temporal server, this process = worker, PostgreSQL),
the actions a first-attempt product cost (from the server's own metric), and how many products escalated (ran more
than one attempt, or had a review decided by a later scorer of the chain) with what that cost in wall time.

Same-run comparisons only mean something on these machines: docs/performance.md ("Evidence and the default
chain") has runs of this script in a checkout of the commit before findings (copied there) and at HEAD, taken
alternately in one window.

    python bench/evidence_bench.py --rows 2000 --chain vader
    python bench/evidence_bench.py --rows 2000 --chain lexical,e5
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402
from temporalio.client import Client  # noqa: E402

from bench.cpu import cpu_seconds, postgres_since, postgres_snapshot  # noqa: E402
from bench.histories import server_actions  # noqa: E402
from bench.stack import scratch_stack  # noqa: E402
from internal.adapters.scorers.base import Scorer  # noqa: E402
from internal.adapters.scorers.e5 import E5Scorer  # noqa: E402
from internal.adapters.scorers.lexical import LexicalScorer  # noqa: E402
from internal.adapters.scorers.vader import VaderScorer  # noqa: E402
from internal.adapters.sources.demo import DemoSource  # noqa: E402
from internal.app.state import StateManager  # noqa: E402
from internal.app.worker import build_worker  # noqa: E402
from internal.jobs.enricher import TemporalEnricher  # noqa: E402
from internal.jobs.upload import create_job_from_csv  # noqa: E402

WINDOW = 100


async def run(rows: int, chain: list[str]) -> dict[str, Any]:
    async with scratch_stack("bench-evidence-", server_metrics=True) as stack:
        server = stack.server
        assert server.pid is not None and server.metrics_url is not None
        state = await StateManager.connect(stack.dsn, max_size=20)
        client = await Client.connect(server.address)
        scorers: dict[str, Scorer] = {"vader": VaderScorer(), "lexical": LexicalScorer(), "e5": E5Scorer()}
        job_id = uuid.uuid4().hex[:12]
        body = "product_id\n" + "".join(f"bench-{i:06d}\n" for i in range(rows))
        await create_job_from_csv(
            state, io.BytesIO(body.encode()), job_id=job_id, options={"window": WINDOW, "scorer_chain": chain}
        )
        me, srv = psutil.Process(), psutil.Process(server.pid)
        before_actions = server_actions(server.metrics_url)
        async with build_worker(client, "bench", state, {"demo": DemoSource()}, scorers):
            cpu0, pg0 = {"server": cpu_seconds([srv]), "worker": cpu_seconds([me])}, postgres_snapshot()
            started = time.perf_counter()
            await TemporalEnricher(state, client, "bench").enrich(job_id)
            while (await state.jobs.get_progress(job_id)).status not in ("completed", "failed", "cancelled"):
                await asyncio.sleep(0.2)
            wall = time.perf_counter() - started
            cpu = {"server": cpu_seconds([srv]) - cpu0["server"], "worker": cpu_seconds([me]) - cpu0["worker"]}
            cpu["postgres"] = postgres_since(pg0)
        spent = server_actions(server.metrics_url) - before_actions
        results = [r async for r in _rows(state, job_id)]
        await state.close()
    escalated = [r for r in results if r["attempts"] > 1 or any(s in r["scorers"] for s in chain[1:])]
    return {
        "rows": rows,
        "chain": chain,
        "wall_s": round(wall, 2),
        "rows_per_s": round(rows / wall, 1),
        "cpu_ms_per_row": {k: round(v * 1000 / rows, 1) for k, v in cpu.items()},
        "server_actions_per_product": round(sum(spent.values()) / rows, 2),
        "escalated_products": len(escalated),
        "escalated_share": round(len(escalated) / rows, 3),
        "with_findings": sum(1 for r in results if r["findings"]),
    }


async def _rows(state: StateManager, job_id: str) -> Any:
    after = 0
    while True:
        page = await state.rows.get_results(job_id, after_row=after, limit=1000)
        # getattr: the same script measures the commit before findings existed.
        store = getattr(state, "findings", None)
        found = await store.rows_findings(job_id, [r.row_num for r in page]) if store else {}
        for r in page:
            result = r.result or {}
            yield {"attempts": r.attempt, "scorers": result.get("scorers") or [], "findings": r.row_num in found}
        if len(page) < 1000:
            return
        after = page[-1].row_num


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--chain", default="vader", help="scorer chain, cheapest first (e.g. lexical,e5)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows, args.chain.split(",")))))


if __name__ == "__main__":
    main()
