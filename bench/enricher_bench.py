"""Enricher benchmark: the same demo job through the Temporal enricher and the old channel pipeline.

The channel pipeline is the baseline measured in the same run (no server round trips, no durability), so the
ratio tells what Temporal's durability costs on this machine.

    python bench/enricher_bench.py --rows 2000 --write docs/performance.md
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from temporalio.client import Client  # noqa: E402

from internal.activities.enrichment import EnrichmentActivities  # noqa: E402
from internal.enricher.base import Enricher  # noqa: E402
from internal.enricher.channel_enricher import ChannelEnricher  # noqa: E402
from internal.enricher.temporal_enricher import TemporalEnricher  # noqa: E402
from internal.jobs.intake import create_job_from_csv  # noqa: E402
from internal.scorers.vader import VaderScorer  # noqa: E402
from internal.sources.demo import DemoSource  # noqa: E402
from internal.stack.postgres import EmbeddedPostgres  # noqa: E402
from internal.stack.proc import free_port  # noqa: E402
from internal.stack.temporal_server import TemporalDevServer  # noqa: E402
from internal.state.manager import StateManager  # noqa: E402
from internal.state.migrate import apply_migrations  # noqa: E402
from internal.worker import build_worker  # noqa: E402

MARK_BEGIN = "<!-- bench-enrichers:begin -->"
MARK_END = "<!-- bench-enrichers:end -->"


async def _job(state: StateManager, rows: int) -> str:
    job_id = uuid.uuid4().hex[:12]
    body = "product_id\n" + "".join(f"bench-{i:06d}\n" for i in range(rows))
    await create_job_from_csv(state, io.BytesIO(body.encode()), job_id=job_id, options={"window": 100})
    return job_id


async def _run(enricher: Enricher, state: StateManager, job_id: str) -> float:
    started = time.perf_counter()
    await enricher.enrich(job_id)
    while (await state.get_progress(job_id)).status not in ("completed", "failed", "cancelled"):
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


async def run(rows: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-enrich-"))
    pg = EmbeddedPostgres(workdir)
    server = TemporalDevServer(data_dir=workdir, port=free_port(), headless=True)
    dsn = await pg.start()
    await server.start()
    try:
        await apply_migrations(dsn)
        state = await StateManager.connect(dsn, max_size=20)
        sources, scorers = {"demo": DemoSource()}, {"vader": VaderScorer()}
        channel = ChannelEnricher(state, EnrichmentActivities(state, sources, scorers))
        channel_s = await _run(channel, state, await _job(state, rows))
        client = await Client.connect(server.address)
        async with build_worker(client, "bench", state, sources, scorers):
            temporal_s = await _run(TemporalEnricher(state, client, "bench"), state, await _job(state, rows))
        await state.close()
        return {"rows": rows, "channel_s": channel_s, "temporal_s": temporal_s}
    finally:
        server.stop()
        pg.stop()


def report(r: dict[str, float]) -> str:
    rows = int(r["rows"])
    return "\n".join(
        [
            MARK_BEGIN,
            f"Measured {time.strftime('%Y-%m-%d')} (`make bench-enrichers`): a {rows:,}-row demo job "
            "(profiles from the id hash, window 100, VADER, demo source with no latency).",
            "",
            "| enricher | wall time | rows/s |",
            "| --- | --- | --- |",
            f"| channel pipeline (baseline, same run) | {r['channel_s']:.1f} s | {rows / r['channel_s']:.0f} |",
            f"| Temporal (JobWorkflow + EnrichmentWorkflow) | {r['temporal_s']:.1f} s | {rows / r['temporal_s']:.1f} |",
            "",
            f"Temporal is {r['temporal_s'] / r['channel_s']:.0f}× slower here: each row is a child workflow with "
            "three activities, every step a durable server round trip on one 2-core box (DESIGN.md §4 puts the "
            "ceiling of this design at ~18–25 children/s). That is the price of surviving crashes mid-job.",
            MARK_END,
        ]
    )


def write_section(path: Path, text: str) -> None:
    body = path.read_text() if path.exists() else "# Performance\n"
    if MARK_BEGIN in body:
        head, rest = body.split(MARK_BEGIN, 1)
        body = head + text + rest.split(MARK_END, 1)[1]
    else:
        body = (
            body.rstrip()
            + "\n\n## Enrichers: Temporal vs the channel pipeline — `make bench-enrichers`\n\n"
            + text
            + "\n"
        )
    path.write_text(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    text = report(asyncio.run(run(args.rows)))
    print(text)
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
