"""Enrich a CSV file through the JobService and the enricher facade directly (no HTTP API): create the job from
the file (with the same defaults and checks as an upload), start it, print progress until it ends, then print the
results. Needs the stack running (`make up`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from pydantic import ValidationError

from internal.app.wiring import database, open_enricher
from internal.domain.options import InvalidOptions
from internal.http.schemas import JobOptions
from internal.intake import CsvIntakeError, IntakeLimits
from internal.jobs.service import JobNotStarted, JobService
from internal.platform.config import load_settings
from internal.platform.startup import guarded


async def _main(path: Path, window: int | None, poll: float) -> int:
    settings = load_settings()
    try:
        options = JobOptions(window=window)
    except ValidationError as err:
        print(f"--window: {err.errors()[0]['msg']}", file=sys.stderr)
        return 2
    async with AsyncExitStack() as resources:
        dsn = await resources.enter_async_context(database(settings))
        enricher, state = await resources.enter_async_context(open_enricher(settings, dsn))
        jobs = JobService(
            settings=settings,
            state=state,
            enricher=enricher,
            intake_limits=IntakeLimits(max_bytes=settings.max_upload_bytes),
        )
        with path.open("rb") as fh:
            try:
                started = await jobs.create_from_csv(fh, filename=path.name, options=options.as_dict())
            except CsvIntakeError as err:
                print(f"{path}: {err.message} [{err.code}]", file=sys.stderr)
                return 2
            except InvalidOptions as err:
                print(f"{err}: " + "; ".join(p["message"] for p in err.problems), file=sys.stderr)
                return 2
            except JobNotStarted as err:
                print(f"{err}; it stays 'created'", file=sys.stderr)
                return 1
        job_id = started.job.job_id
        for bad in started.samples.invalid + started.samples.truncated:
            print(f"row {bad['row']}: {bad['reason']}")
        if started.workflow_id is None:
            print(f"job {job_id} {started.job.status}: {started.job.error}")
        else:
            print(f"job {job_id} started as {started.workflow_id}: {started.progress.total} rows")
        while True:
            p = await enricher.get_progress(job_id)
            counts = " ".join(f"{k}={v}" for k, v in p.counts.items() if v)
            eta = f" eta {p.eta_seconds:.0f}s" if p.eta_seconds else ""
            print(f"  {p.status:<10} {p.percent:5.1f}%  {counts}{eta}", flush=True)
            if p.status in ("completed", "failed", "cancelled"):
                break
            await asyncio.sleep(poll)
        after = 0
        while rows := await jobs.results(job_id, after=after, limit=500):
            for r in rows:
                score = (r.result or {}).get("score_display") or "-"
                print(f"row {r.row_num:>5}  {r.product_id or '':<24} {r.status:<15} {score:<10} {r.reason or ''}")
            after = rows[-1].row_num
        return 0 if p.status == "completed" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path, help="CSV with a product_id (or item_id, sku, id) column")
    parser.add_argument("--window", type=int, help="children in flight at once (default 100)")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between progress lines")
    args = parser.parse_args()
    return guarded(lambda: asyncio.run(_main(args.file, args.window, args.poll)))


if __name__ == "__main__":
    sys.exit(main())
