"""Enrich a CSV file through the enricher facade directly (no HTTP API): create the job from the file, start it,
print progress until it ends, then print the results. Needs the stack running (`make up`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

from internal.config import load_settings
from internal.intake import CsvIntakeError
from internal.jobs.intake import create_job_from_csv
from internal.startup import guarded
from internal.wiring import build_enricher, database_url


async def _main(path: Path, window: int | None, poll: float) -> int:
    settings = load_settings()
    dsn, embedded = await database_url(settings)
    enricher, state, close = await build_enricher(settings, dsn)
    try:
        job_id = uuid.uuid4().hex[:12]
        options = {"window": window} if window else {}
        with path.open("rb") as fh:
            try:
                outcome = await create_job_from_csv(state, fh, job_id=job_id, filename=path.name, options=options)
            except CsvIntakeError as err:
                print(f"{path}: {err.message} [{err.code}]", file=sys.stderr)
                return 2
        for bad in outcome.invalid_sample:
            print(f"row {bad['row']}: {bad['reason']}")
        workflow_id = await enricher.enrich(job_id)
        print(f"job {job_id} started as {workflow_id}: {outcome.progress.total} rows")
        while True:
            p = await enricher.get_progress(job_id)
            counts = " ".join(f"{k}={v}" for k, v in p.counts.items() if v)
            eta = f" eta {p.eta_seconds:.0f}s" if p.eta_seconds else ""
            print(f"  {p.status:<10} {p.percent:5.1f}%  {counts}{eta}", flush=True)
            if p.status in ("completed", "failed", "cancelled"):
                break
            await asyncio.sleep(poll)
        after = 0
        while rows := await enricher.get_results(job_id, offset=after, limit=500):
            for r in rows:
                score = (r.result or {}).get("score_display") or "-"
                print(f"row {r.row_num:>5}  {r.product_id or '':<24} {r.status:<15} {score:<10} {r.reason or ''}")
            after = rows[-1].row_num
        return 0 if p.status == "completed" else 1
    finally:
        await close()
        if embedded is not None:
            embedded.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path, help="CSV with a product_id (or item_id, sku, id) column")
    parser.add_argument("--window", type=int, help="children in flight at once (default 100)")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between progress lines")
    args = parser.parse_args()
    return guarded(lambda: asyncio.run(_main(args.file, args.window, args.poll)))


if __name__ == "__main__":
    sys.exit(main())
